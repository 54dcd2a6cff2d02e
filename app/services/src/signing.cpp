#include <securedoc/base/file.h>
#include <securedoc/app/signing.h>
#include <securedoc/crypto/csc_signer.h>
#include <securedoc/crypto/pkcs11_signer.h>
#include <securedoc/crypto/pkcs12_signer.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <set>

namespace securedoc {

namespace fs = std::filesystem;

std::unique_ptr<Signer> openSigner(const std::string& spec, Interaction& interaction, const CloudSignerOptions& cloud) {
  const auto colon = spec.find(':');
  const std::string scheme = colon == std::string::npos ? std::string() : spec.substr(0, colon);
  const std::string rest = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  if (scheme == "pkcs12") {
    if (rest.empty()) throw Error(Category::Usage, tr("pkcs12: needs a file path, e.g. pkcs12:signer.p12"));
    return std::make_unique<Pkcs12Signer>(rest, interaction);
  }
  if (scheme == "pkcs11") return std::make_unique<Pkcs11Signer>(spec, interaction);
  if (scheme == "cloud") {
    if (rest.empty())
      throw Error(Category::Usage, tr("cloud: needs the service's URL, e.g. cloud:https://HOST:PORT/csc/v2"));
    CscOptions o;
    o.baseUrl = rest;
    o.caFile = cloud.caFile;
    o.login = cloud.login;
    o.credentialId = cloud.credentialId;
    o.rememberSession = cloud.rememberSession;
    return std::make_unique<CscSigner>(o, interaction);
  }
  throw Error(Category::Usage, format(tr("unknown signer \"{0}\" (use pkcs12:PATH, pkcs11:URI or cloud:URL)"), {spec}));
}

void checkCertificateCanSign(const Certificate& cert, std::time_t now) {
  if (now > cert.notAfter()) {
    throw Error(Category::Policy, format(tr("the certificate of {0} expired on {1}; it cannot make new signatures"),
                                         {cert.commonName(), isoTime(cert.notAfter())}));
  }
  if (now < cert.notBefore()) {
    throw Error(Category::Policy, format(tr("the certificate of {0} is not valid before {1}"),
                                         {cert.commonName(), isoTime(cert.notBefore())}));
  }
  if (cert.hasKeyUsageExtension()) {
    const auto ku = cert.keyUsage();
    const bool signing = std::find(ku.begin(), ku.end(), "nonRepudiation") != ku.end() ||
                         std::find(ku.begin(), ku.end(), "digitalSignature") != ku.end();
    if (!signing) {
      throw Error(Category::Policy,
                  format(tr("the certificate of {0} is not meant for signing documents"), {cert.commonName()}));
    }
  }
}

namespace {
/// From this many files on, one syncfs replaces one fsync per file.
constexpr std::size_t kBatchFlush = 16;

/// Runs fn(i) for every i in [0, n) on up to one thread per core.  The first
/// exception stops the start of further items and is rethrown.
template <class Fn>
void forEachParallel(std::size_t n, Fn fn) {
  const std::size_t threads =
      n < 8 ? 1 : std::min<std::size_t>({std::max(1u, std::thread::hardware_concurrency()), std::size_t{8}, n});
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex errorMutex;
  auto work = [&] {
    while (!stop) {
      const std::size_t i = next++;
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
  if (error) std::rethrow_exception(error);
}
}  // namespace

namespace {
/// The level asked for, checked once for the batch (every format makes B-B
/// and B-T; B-T needs an RFC 3161 service).  Modules trust it.
void checkLevel(const SignParams& params) {
  if (params.level == SignatureLevel::B_LT || params.level == SignatureLevel::B_LTA) {
    throw Error(Category::Unsupported,
                format(tr("level {0} is not available yet; use B-B or B-T"), {levelName(params.level)}));
  }
  if (params.level == SignatureLevel::B_T && params.tsaUrl.empty()) {
    throw Error(Category::Usage, Note{"tsa-required", N_("level B-T needs a time-stamp service")});
  }
}

/// The packaging of one file: the one asked for, else the module's for its content.
Packaging packagingOf(const SignRequest& request, const ContentSniff& sniff, const FormatModule& module) {
  return request.params.packaging == Packaging::Default ? module.packagingFor(sniff) : request.params.packaging;
}

fs::path outputOf(const SignRequest& request, const fs::path& input, const FormatModule& module, Packaging p) {
  if (request.output) return *request.output;
  fs::path name = module.outputName(input, p);
  if (request.outputDir) return *request.outputDir / name.filename();
  return name;
}
}  // namespace

fs::path SigningService::plannedOutput(const SignRequest& request, const fs::path& input, FormatModule& module) const {
  return outputOf(request, input, module, packagingOf(request, ContentSniff::of(input), module));
}

std::vector<SignOutcome> SigningService::sign(const SignRequest& request, Signer& signer,
                                              const OfferedCertificate& cert, Interaction& interaction) const {
  if (request.inputs.empty()) throw Error(Category::Usage, tr("no files to sign"));
  if (request.output && request.inputs.size() != 1) {
    throw Error(Category::Usage,
                Note{"one-output-for-several-inputs", N_("one output file was named for several files to sign")});
  }
  if (request.outputDir) {
    std::error_code ec;
    if (!fs::is_directory(*request.outputDir, ec)) {
      throw Error(Category::Io, tr("the output folder does not exist"), request.outputDir->string());
    }
  }
  checkLevel(request.params);
  checkCertificateCanSign(cert.certificate, request.params.signingTime.value_or(std::time(nullptr)));

  // One plan per file, made once in phase 1 from one look at its content:
  // the module, the packaging and the output name; phase 3 looks nothing up.
  struct Item {
    SignOutcome outcome;
    FormatModule* module = nullptr;
    fs::path output;  ///< the name wanted, before collision handling
    std::unique_ptr<PendingSignature> pending;
  };
  std::vector<Item> items(request.inputs.size());
  const std::size_t total = request.inputs.size();

  // Phase 1: every file gives the digest it needs signed.  Files are
  // independent, so a batch uses every core; calls into `interaction` are
  // serialised.
  std::mutex uiMutex;
  std::atomic<std::size_t> progressed{0};
  auto cancelled = [&] {
    std::lock_guard<std::mutex> lock(uiMutex);
    return interaction.cancelled();
  };
  auto progress = [&](const std::string& item) {
    std::lock_guard<std::mutex> lock(uiMutex);
    interaction.progress(progressed++, total * 2, item);
  };
  forEachParallel(total, [&](std::size_t i) {
    if (cancelled()) throw Error(Category::Cancelled, tr("signing was cancelled"));
    Item& it = items[i];
    it.outcome.input = request.inputs[i];
    progress(request.inputs[i].string());
    try {
      const ContentSniff sniff = ContentSniff::of(request.inputs[i]);
      it.module = request.format == "auto" ? &m_registry.forSigning(sniff) : &m_registry.byId(request.format);
      if (!it.module->canSign(sniff)) {
        throw Error(Category::Malformed, format(tr("{0} cannot sign this kind of file"), {it.module->displayName()}));
      }
      it.outcome.format = it.module->displayName();
      const Packaging p = packagingOf(request, sniff, *it.module);
      it.outcome.packaging = packagingName(p);
      it.output = outputOf(request, request.inputs[i], *it.module, p);
      SignParams params = request.params;
      params.packaging = p;
      params.workDir = it.output.parent_path().empty() ? fs::path(".") : it.output.parent_path();
      params.content = sniff;
      it.pending = it.module->prepare(request.inputs[i], params, cert);
    } catch (const Error& e) {
      if (e.category() == Category::Usage) throw;
      it.outcome.error = e.withFile(request.inputs[i].string());
    }
  });

  // Phase 2: one call signs every digest (one PIN / OTP for the batch).
  std::vector<Bytes> digests;
  std::vector<std::size_t> index;
  std::optional<SignatureScheme> scheme;
  for (std::size_t i = 0; i < total; ++i) {
    if (!items[i].pending) continue;
    if (scheme && *scheme != items[i].pending->scheme())
      throw Error(Category::Internal, "mixed signature schemes in one batch");
    scheme = items[i].pending->scheme();
    digests.push_back(items[i].pending->digestToSign());
    index.push_back(i);
  }
  if (!digests.empty()) {
    if (interaction.cancelled()) throw Error(Category::Cancelled, tr("signing was cancelled"));
    const std::vector<Bytes> values = signer.signDigests(cert, request.params.digest, *scheme, digests);
    if (values.size() != digests.size()) {
      throw Error(Category::Crypto, tr("the signer returned a wrong number of signature values"));
    }
    // Phase 3: embed and write, each output through a temporary file; each
    // output folder's entries are flushed once at the end.
    // Each output is written under a temporary name (in parallel), flushed,
    // and only then given its name: an interrupted batch leaves no partial
    // file.  A large batch flushes its file system once instead of once per
    // file.
    std::vector<std::optional<AtomicFile>> outputs(index.size());
    forEachParallel(index.size(), [&](std::size_t k) {
      if (cancelled()) return;  // the batch is dropped below
      Item& it = items[index[k]];
      progress(it.outcome.input.string());
      try {
        outputs[k].emplace(it.output);
        it.pending->finish(values[k], *outputs[k]);
        if (index.size() < kBatchFlush) {
          outputs[k]->sync();
        } else {
          outputs[k]->syncWithFileSystem();  // flushFileSystemOf below
        }
      } catch (const Error& e) {
        it.outcome.error = e.withFile(it.outcome.input.string());
        outputs[k].reset();
      }
      it.pending.reset();  // its memory is not needed any more
    });
    // Cancel is honoured until the first output gets its name: every
    // temporary file is then removed (AtomicFile) and nothing is written.
    if (cancelled()) throw Error(Category::Cancelled, tr("signing was cancelled"));
    std::set<fs::path> folders;
    for (const auto& o : outputs) {
      if (o) folders.insert(o->folder());
    }
    if (index.size() >= kBatchFlush) {
      for (const auto& dir : folders) flushFileSystemOf(dir);
    }
    for (std::size_t k = 0; k < index.size(); ++k) {
      if (!outputs[k]) continue;
      Item& it = items[index[k]];
      try {
        it.outcome.output = outputs[k]->placeAsNewOrNextFree(false);
      } catch (const Error& e) {
        it.outcome.error = e.withFile(it.outcome.input.string());
      }
      outputs[k].reset();
    }
    for (const auto& dir : folders) syncFolder(dir);
  }
  std::vector<SignOutcome> out;
  out.reserve(total);
  for (auto& it : items) out.push_back(std::move(it.outcome));
  return out;
}

}  // namespace securedoc
