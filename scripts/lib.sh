# Shared by scripts/demo and scripts/test: package installation and builds.
# shellcheck shell=bash

SECUREDOC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 packages the build and the tests need.
SECUREDOC_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config gettext
  openssl libssl-dev
  libboost-test-dev nlohmann-json3-dev libcli11-dev
  libcurl4-openssl-dev libcpp-httplib-dev curl
  clang libclang-rt-14-dev clang-format clang-tidy
  libpodofo-dev libpoppler-cpp-dev fonts-dejavu-core poppler-utils qpdf
  libnss3-tools libpodofo-utils time
  libxml2-dev libxmlsec1-dev xmlsec1
  libp11-kit-dev softhsm2 opensc
  liboath-dev oathtool libargon2-dev libqrencode-dev libzbar-dev libpng-dev zbar-tools qrencode
  libsqlite3-dev sqlite3
  libwxgtk3.2-dev wx3.2-i18n xvfb xauth x11-utils imagemagick
  tzdata
)

log() { printf '\n== %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  for p in "${SECUREDOC_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # Node.js and npm run xadesjs in the XAdES interoperability test.  Debian's
  # packages, unless a Node.js with npm is already there (a NodeSource
  # nodejs package bundles npm and conflicts with Debian's npm).
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  if [ ${#missing[@]} -eq 0 ]; then
    log "All packages present"
    return
  fi
  log "Installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure_and_build BUILD_DIR [cmake args...]
configure_and_build() {
  local dir="$1"; shift
  cmake -S "$SECUREDOC_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}
