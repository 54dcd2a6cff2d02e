#pragma once
// What a person sets once and every signing or verification job uses
// (issue 7's Settings dialog).  Plain data: the GUI stores it with wxConfig,
// nothing here knows how it is kept.
#include <securedoc/app/signing.h>
#include <securedoc/formats/format.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace securedoc {

/// A visible signature as a person last placed it in the sign dialog
/// (issue 16): the page (from the start or the end), the box, the image,
/// and the reason and location shown in it.
struct VisiblePlacement {
  SignParams::Visible box;
  std::string reason;
  std::string location;
  /// The box was ticked when the person last signed: an unticked box is
  /// remembered unticked, its placement kept for when it is ticked again.
  bool enabled = true;
};

/// Whom a placement belongs to: the same person signs with a token and a
/// cloud certificate, so the key is the subject's serialNumber (the
/// national ID of ETSI EN 319 412-1 §5.1.3) when there is one, else the
/// subject DN.
std::string personKey(const Certificate& signer);

struct Settings {
  /// "system", "pl" or "en".
  std::string language = "system";
  /// Empty: each output goes next to its original.
  std::filesystem::path outputDir;
  /// RFC 3161 service; empty: no time-stamps (B-B).
  std::string tsaUrl;
  /// Certificates the time-stamp service's answers must chain to.
  std::vector<std::filesystem::path> tsaTrustAnchors;
  /// Certificates a verified signature must chain to.
  std::vector<std::filesystem::path> trustAnchors;
  /// CSC v2 base URL (https://host:port/csc/v2), its TLS CA and the account.
  std::string cloudUrl;
  std::filesystem::path cloudCa;
  std::string cloudLogin;
  bool rememberSession = true;
  /// The level new signatures get: "default" (B-T when a TSA is set, else
  /// B-B), "B-B" or "B-T".
  std::string level = "default";
  /// The last visible-signature placement of each person (personKey()).
  std::map<std::string, VisiblePlacement> placements;
};

/// The level new signatures get with these settings.
SignatureLevel defaultLevel(const Settings& s);

/// A signing request for `inputs` with the settings applied (output folder,
/// TSA and its anchors, level); `formatId` "auto" lets each file's content
/// choose.  Throws Error(Io/Malformed) when an anchor file cannot be read.
SignRequest signRequestFor(const Settings& s, const std::vector<std::filesystem::path>& inputs,
                           const std::string& formatId, SignatureLevel level);
/// The same with a visible signature (PDFs): its box, image, reason and location.
SignRequest signRequestFor(const Settings& s, const std::vector<std::filesystem::path>& inputs,
                           const std::string& formatId, SignatureLevel level, const VisiblePlacement& visible);

/// Verification options with the settings' trust anchors; revocation checked online, with the cache.
VerifyOptions verifyOptionsFor(const Settings& s);

/// The cloud signer's options from the settings.
CloudSignerOptions cloudOptionsFor(const Settings& s);

/// Checks what a person typed before it is saved: the TSA URL must be
/// https:// or http://, the cloud URL https://, named files must exist, B-T
/// needs a TSA.
/// Returns one translated message per problem; empty when all is well.
std::vector<std::string> settingsProblems(const Settings& s);

}  // namespace securedoc
