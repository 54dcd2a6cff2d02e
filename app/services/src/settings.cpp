#include <securedoc/app/settings.h>

#include <securedoc/crypto/certificate.h>
#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

namespace securedoc {

namespace fs = std::filesystem;

namespace {

/// The same scheme, host and port ("https://127.0.0.1:8443").
bool sameOrigin(const std::string& a, const std::string& b) {
  const auto origin = [](const std::string& u) {
    const auto scheme = u.find("://");
    if (scheme == std::string::npos) return std::string();
    const auto path = u.find('/', scheme + 3);
    return u.substr(0, path);
  };
  return !origin(a).empty() && origin(a) == origin(b);
}

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

void addAnchors(std::vector<Certificate>& out, const std::vector<fs::path>& files) {
  for (const auto& f : files) {
    auto certs = Certificate::loadFile(f);
    out.insert(out.end(), certs.begin(), certs.end());
  }
}

}  // namespace

SignatureLevel defaultLevel(const Settings& s) {
  if (s.level == "B-B") return SignatureLevel::B_B;
  if (s.level == "B-T") return SignatureLevel::B_T;
  if (s.level == "B-LT") return SignatureLevel::B_LT;
  if (s.level == "B-LTA") return SignatureLevel::B_LTA;
  return s.tsaUrl.empty() ? SignatureLevel::B_B : SignatureLevel::B_T;
}

SignRequest signRequestFor(const Settings& s, const std::vector<fs::path>& inputs, const std::string& formatId,
                           SignatureLevel level) {
  SignRequest r;
  r.inputs = inputs;
  r.format = formatId.empty() ? "auto" : formatId;
  r.params.level = level;
  r.params.tsaUrl = s.tsaUrl;
  // The reference service's https:// /tsa has the cloud's TLS certificate:
  // a TSA at the cloud's own address is checked against the cloud CA.
  if (!s.cloudCa.empty() && !s.cloudUrl.empty() && sameOrigin(s.tsaUrl, s.cloudUrl)) r.params.tsaTlsCa = s.cloudCa;
  addAnchors(r.params.tsaTrustAnchors, s.tsaTrustAnchors);
  if (!s.outputDir.empty()) r.outputDir = s.outputDir;
  return r;
}

SignRequest signRequestFor(const Settings& s, const std::vector<fs::path>& inputs, const std::string& formatId,
                           SignatureLevel level, const VisiblePlacement& visible) {
  SignRequest r = signRequestFor(s, inputs, formatId, level);
  r.params.visible = visible.box;
  r.params.reason = visible.reason;
  r.params.location = visible.location;
  return r;
}

std::string personKey(const Certificate& signer) {
  const std::string id = signer.subjectField("serialNumber");
  return id.empty() ? signer.subject() : "serialNumber=" + id;
}

VerifyOptions verifyOptionsFor(const Settings& s) {
  VerifyOptions o;
  addAnchors(o.trustAnchors, s.trustAnchors);
  // The window checks revocation online, as a person expects of "is this
  // signature valid now", and remembers what it fetched for later and
  // offline use; one checker for the batch (the options are copied per file).
  o.offline = false;
  RevocationOptions ro;
  ro.offline = false;
  ro.cacheDir = defaultRevocationCacheDir();
  o.revocation = std::make_shared<RevocationChecker>(ro);
  return o;
}

CloudSignerOptions cloudOptionsFor(const Settings& s) {
  CloudSignerOptions o;
  o.caFile = s.cloudCa.string();
  o.login = s.cloudLogin;
  o.rememberSession = s.rememberSession;
  return o;
}

std::vector<std::string> settingsProblems(const Settings& s) {
  std::vector<std::string> out;
  if (s.language != "system" && s.language != "pl" && s.language != "en") {
    out.push_back(format(tr("unknown language \"{0}\""), {s.language}));
  }
  if (!s.outputDir.empty() && !fs::is_directory(s.outputDir)) {
    out.push_back(format(tr("the output folder {0} does not exist"), {s.outputDir.string()}));
  }
  if (!s.tsaUrl.empty() && !startsWith(s.tsaUrl, "https://") && !startsWith(s.tsaUrl, "http://")) {
    out.push_back(format(tr("the time-stamp service address must start with https:// or http://: {0}"), {s.tsaUrl}));
  }
  if (!s.cloudUrl.empty() && !startsWith(s.cloudUrl, "https://")) {
    out.push_back(format(tr("the cloud service address must start with https://: {0}"), {s.cloudUrl}));
  }
  if (!s.cloudUrl.empty() && s.cloudCa.empty()) {
    out.push_back(tr("the cloud service needs the certificate of its CA (PEM)"));
  }
  for (const auto* list : {&s.trustAnchors, &s.tsaTrustAnchors}) {
    for (const auto& f : *list) {
      if (!fs::is_regular_file(f)) out.push_back(format(tr("the certificate file {0} does not exist"), {f.string()}));
    }
  }
  if (!s.cloudCa.empty() && !fs::is_regular_file(s.cloudCa)) {
    out.push_back(format(tr("the certificate file {0} does not exist"), {s.cloudCa.string()}));
  }
  if (s.level != "default" && s.level != "B-B" && s.level != "B-T" && s.level != "B-LT" && s.level != "B-LTA") {
    out.push_back(format(tr("unknown signature level \"{0}\""), {s.level}));
  }
  if (s.level != "default" && s.level != "B-B" && s.tsaUrl.empty()) {
    out.push_back(format(tr("level {0} needs the address of a time-stamp service"), {s.level}));
  }
  return out;
}

}  // namespace securedoc
