#pragma once
// Rendering reports for people (translated text) and for scripts (JSON,
// README.md "The JSON report").  JSON keys and codes never depend on the language.
#include <securedoc/crypto/certificate.h>
#include <securedoc/formats/format.h>
#include <securedoc/formats/report.h>

#include <string>

namespace securedoc {

std::string reportToJson(const VerificationReport& report);
std::string reportToText(const VerificationReport& report);
std::string inspectionToJson(const Inspection& inspection);
std::string inspectionToText(const Inspection& inspection);
/// A certificate's details as text lines (for `certs` and reports).
std::string certificateToText(const Certificate& cert, const std::string& indent);
std::string certificatesToJson(const std::vector<OfferedCertificate>& certs);
/// A certificate a signer offers, with where its key lives (token, file) and
/// how to select it again (`securedoc-cli certs`).
std::string offeredCertificateToText(const OfferedCertificate& oc);
/// "signature time-stamp"... for TimestampReport::type, translated.
std::string timestampTypeName(const std::string& type);
/// Translated one-line meaning of an indication / sub-indication.
std::string describe(Indication i, SubIndication s);
/// A change after signing in words ("form field \"Name\" was filled").
std::string describe(const Modification& m);
/// A Note in the user's language.
std::string describe(const Note& n);
/// A signature's integrity (integrityOf) in words.
std::string integrityWords(Check::Status integrity);
/// A check's id ("signatureValue"...) as a translated phrase.
const char* checkLabel(const std::string& id);
/// "form filling and signing"... for a modification level, translated.
std::string modificationLevelName(ModificationLevel l);

}  // namespace securedoc
