// A PKCS#11 module for tests that wraps a real one (SoftHSM2) and adds what
// SoftHSM2 lacks: a user-PIN retry counter that locks the token, with the
// token flags a smart card sets (CKF_USER_PIN_COUNT_LOW, _FINAL_TRY, _LOCKED).
// Everything else is the real module's.
//
// Environment:
//   SECUREDOC_SHIM_TARGET  the real module (required)
//   SECUREDOC_SHIM_STATE   a file holding the tries left, shared by the
//                          processes of a test (required)
//   SECUREDOC_SHIM_TRIES   tries a correct PIN restores (default 3)
#include <p11-kit/pkcs11.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace {

CK_FUNCTION_LIST g_real{};
CK_FUNCTION_LIST g_shim{};
std::mutex g_mutex;

unsigned long maxTries() {
  const char* s = std::getenv("SECUREDOC_SHIM_TRIES");
  return s ? std::strtoul(s, nullptr, 10) : 3;
}

unsigned long triesLeft() {
  const char* path = std::getenv("SECUREDOC_SHIM_STATE");
  unsigned long n = maxTries();
  if (FILE* f = path ? std::fopen(path, "r") : nullptr) {
    if (std::fscanf(f, "%lu", &n) != 1) n = maxTries();
    std::fclose(f);
  }
  return n;
}

void setTriesLeft(unsigned long n) {
  const char* path = std::getenv("SECUREDOC_SHIM_STATE");
  if (FILE* f = path ? std::fopen(path, "w") : nullptr) {
    std::fprintf(f, "%lu\n", n);
    std::fclose(f);
  }
}

CK_RV shimLogin(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  if (user != CKU_USER) return g_real.C_Login(session, user, pin, len);
  std::lock_guard<std::mutex> lock(g_mutex);
  const unsigned long left = triesLeft();
  if (left == 0) return CKR_PIN_LOCKED;
  const CK_RV rv = g_real.C_Login(session, user, pin, len);
  if (rv == CKR_PIN_INCORRECT) setTriesLeft(left - 1);
  if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) setTriesLeft(maxTries());
  return rv;
}

CK_RV shimGetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
  const CK_RV rv = g_real.C_GetTokenInfo(slot, info);
  if (rv != CKR_OK) return rv;
  info->flags &= ~(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
  const unsigned long left = triesLeft();
  if (left < maxTries()) info->flags |= CKF_USER_PIN_COUNT_LOW;
  if (left == 1) info->flags |= CKF_USER_PIN_FINAL_TRY;
  if (left == 0) info->flags |= CKF_USER_PIN_LOCKED;
  return rv;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  if (!list) return CKR_ARGUMENTS_BAD;
  const char* target = std::getenv("SECUREDOC_SHIM_TARGET");
  if (!target || !std::getenv("SECUREDOC_SHIM_STATE")) return CKR_GENERAL_ERROR;
  // Stays loaded for the life of the process, as the module it stands for.
  void* handle = dlopen(target, RTLD_NOW | RTLD_LOCAL);
  if (!handle) return CKR_GENERAL_ERROR;
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR real = nullptr;
  if (!get || get(&real) != CKR_OK || !real) return CKR_GENERAL_ERROR;
  g_real = *real;
  g_shim = *real;
  g_shim.C_Login = shimLogin;
  g_shim.C_GetTokenInfo = shimGetTokenInfo;
  *list = &g_shim;
  return CKR_OK;
}
