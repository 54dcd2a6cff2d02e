#include <securedoc/base/file.h>
#include <securedoc/app/signing.h>
#include <securedoc/crypto/csc_signer.h>
#include <securedoc/crypto/pkcs11_signer.h>
#include <securedoc/crypto/pkcs12_signer.h>
#include <securedoc/formats/pades.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <set>
#include <sys/stat.h>

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
                                         {cert.commonName(), readableTimeAndUtc(cert.notAfter())}));
  }
  if (now < cert.notBefore()) {
    throw Error(Category::Policy, format(tr("the certificate of {0} is not valid before {1}"),
                                         {cert.commonName(), readableTimeAndUtc(cert.notBefore())}));
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
/// The level asked for, checked once for the batch (every level above B-B
/// needs an RFC 3161 service).  Modules trust it.
void checkLevel(const SignParams& params) {
  if (params.level != SignatureLevel::B_B && params.tsaUrl.empty()) {
    throw Error(
        Category::Usage,
        Note{"tsa-required", N_("level {level} needs a time-stamp service"), {{"level", levelName(params.level)}}});
  }
}

/// B-LT and B-LTA fetch revocation data online; one checker for the batch,
/// so each certificate is asked about once, with the revocation cache.
SignRequest withRevocationSource(const SignRequest& request) {
  SignRequest r = request;
  const bool longTerm = r.params.level == SignatureLevel::B_LT || r.params.level == SignatureLevel::B_LTA;
  if (longTerm && !r.params.revocation) {
    RevocationOptions o;
    o.offline = false;
    o.cacheDir = defaultRevocationCacheDir();
    r.params.revocation = std::make_shared<RevocationChecker>(o);
  }
  return r;
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

namespace {
/// The request's own errors, which stop the batch before any file is read.
void checkRequest(const SignRequest& request) {
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
}

/// One plan per file, made once in phase 1 from one look at its content:
/// the module, the packaging and the output name; phase 3 looks nothing up.
struct Item {
  SignOutcome outcome;
  FormatModule* module = nullptr;
  fs::path output;  ///< the name wanted, before collision handling
  std::unique_ptr<PendingSignature> pending;
};

/// The calls into `interaction` from the worker threads, one at a time.
/// Progress counts files, as a person does ("2 of 3 files done"): a file is
/// done when its output is written; while files are prepared the count
/// stays where it is and names the file at hand.
class SerialInteraction {
 public:
  SerialInteraction(Interaction& interaction, std::size_t files) : m_interaction(interaction), m_files(files) {}
  bool cancelled() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_interaction.cancelled();
  }
  /// `item` is being worked on.
  void working(const std::string& item) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_interaction.progress(m_done, m_files, item);
  }
  /// `item`'s output is written.
  void done(const std::string& item) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_interaction.progress(++m_done, m_files, item);
  }

 private:
  Interaction& m_interaction;
  std::size_t m_files;
  std::mutex m_mutex;
  std::size_t m_done = 0;
};

/// Phase 1 for one file: its plan and the digest it needs signed.  An error
/// of the file goes into its outcome; a usage error stops the batch.
void planAndPrepare(Item& it, const SignRequest& request, const fs::path& input, const FormatRegistry& registry,
                    const OfferedCertificate& cert) {
  try {
    const ContentSniff sniff = ContentSniff::of(input);
    it.module = request.format == "auto" ? &registry.forSigning(sniff) : &registry.byId(request.format);
    if (!it.module->canSign(sniff)) {
      throw Error(Category::Malformed, format(tr("{0} cannot sign this kind of file"), {it.module->displayName()}));
    }
    it.outcome.format = it.module->displayName();
    const Packaging p = packagingOf(request, sniff, *it.module);
    it.outcome.packaging = packagingName(p);
    it.output = outputOf(request, input, *it.module, p);
    SignParams params = request.params;
    params.packaging = p;
    params.workDir = it.output.parent_path().empty() ? fs::path(".") : it.output.parent_path();
    params.content = sniff;
    it.pending = it.module->prepare(input, params, cert);
  } catch (const Error& e) {
    if (e.category() == Category::Usage) throw;
    it.outcome.error = e.withFile(input.string());
  }
}

/// The digests phase 2 signs, those of the files phase 1 prepared (`index`:
/// their items), all of one signature scheme.
struct DigestBatch {
  std::vector<Bytes> digests;
  std::vector<std::size_t> index;
  std::optional<SignatureScheme> scheme;
};

DigestBatch collectDigests(const std::vector<Item>& items) {
  DigestBatch b;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].pending) continue;
    if (b.scheme && *b.scheme != items[i].pending->scheme())
      throw Error(Category::Internal, "mixed signature schemes in one batch");
    b.scheme = items[i].pending->scheme();
    b.digests.push_back(items[i].pending->digestToSign());
    b.index.push_back(i);
  }
  return b;
}

/// Phase 3, first part: each output written under a temporary name (in
/// parallel) and flushed; a large batch flushes its file system once later
/// instead of once per file.  A file that fails gets no output.
std::vector<std::optional<AtomicFile>> writeOutputs(std::vector<Item>& items, const std::vector<std::size_t>& index,
                                                    const std::vector<Bytes>& values, SerialInteraction& ui) {
  std::vector<std::optional<AtomicFile>> outputs(index.size());
  forEachParallel(index.size(), [&](std::size_t k) {
    if (ui.cancelled()) return;  // the batch is dropped by the caller
    Item& it = items[index[k]];
    ui.working(it.outcome.input.string());
    try {
      outputs[k].emplace(it.output);
      it.pending->finish(values[k], *outputs[k]);
      if (index.size() < kBatchFlush) {
        outputs[k]->sync();
      } else {
        outputs[k]->syncWithFileSystem();  // flushFileSystemOf in placeOutputs
      }
    } catch (const Error& e) {
      it.outcome.error = e.withFile(it.outcome.input.string());
      outputs[k].reset();
    }
    it.pending.reset();  // its memory is not needed any more
    ui.done(it.outcome.input.string());
  });
  return outputs;
}

/// Phase 3, last part: the flushed outputs get their names (a free one if
/// the name is taken), then each output folder's entries are flushed once.
void placeOutputs(std::vector<Item>& items, const std::vector<std::size_t>& index,
                  std::vector<std::optional<AtomicFile>>& outputs) {
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
}  // namespace

std::vector<SignOutcome> SigningService::sign(const SignRequest& asked, Signer& signer, const OfferedCertificate& cert,
                                              Interaction& interaction) const {
  checkRequest(asked);
  checkLevel(asked.params);
  const SignRequest request = withRevocationSource(asked);
  // A bad image fails the batch once, before any file is prepared.
  if (request.params.visible && !request.params.visible->image.empty())
    checkSignatureImage(request.params.visible->image);
  checkCertificateCanSign(cert.certificate, request.params.signingTime.value_or(std::time(nullptr)));

  std::vector<Item> items(request.inputs.size());
  const std::size_t total = request.inputs.size();

  // Phase 1: every file gives the digest it needs signed.  Files are
  // independent, so a batch uses every core; calls into `interaction` are
  // serialised.
  SerialInteraction ui(interaction, total);
  forEachParallel(total, [&](std::size_t i) {
    if (ui.cancelled()) throw Error(Category::Cancelled, tr("signing was cancelled"));
    Item& it = items[i];
    it.outcome.input = request.inputs[i];
    ui.working(request.inputs[i].string());
    planAndPrepare(it, request, request.inputs[i], m_registry, cert);
    if (!it.pending) ui.done(request.inputs[i].string());  // failed or nothing to sign: it is done
  });

  // Phase 2: one call signs every digest (one PIN / OTP for the batch).
  const DigestBatch batch = collectDigests(items);
  if (!batch.digests.empty()) {
    if (interaction.cancelled()) throw Error(Category::Cancelled, tr("signing was cancelled"));
    const std::vector<Bytes> values = signer.signDigests(cert, request.params.digest, *batch.scheme, batch.digests);
    if (values.size() != batch.digests.size()) {
      throw Error(Category::Crypto, tr("the signer returned a wrong number of signature values"));
    }
    // Phase 3: embed and write, each output through a temporary file, and
    // only then given its name: an interrupted batch leaves no partial file.
    std::vector<std::optional<AtomicFile>> outputs = writeOutputs(items, batch.index, values, ui);
    // Cancel is honoured until the first output gets its name: every
    // temporary file is then removed (AtomicFile) and nothing is written.
    if (ui.cancelled()) throw Error(Category::Cancelled, tr("signing was cancelled"));
    placeOutputs(items, batch.index, outputs);
  }
  std::vector<SignOutcome> out;
  out.reserve(total);
  for (auto& it : items) out.push_back(std::move(it.outcome));
  return out;
}

namespace {

ExtendOutcome extendOne(const fs::path& input, const ExtendRequest& request, const FormatRegistry& registry) {
  ExtendOutcome oc;
  oc.input = input;
  try {
    FormatModule* module = registry.forVerifying(ContentSniff::of(input));
    if (!module) throw Error(Category::Malformed, tr("the file holds no signature this program knows"));
    oc.format = module->displayName();
    struct stat st {};
    const mode_t mode = ::stat(input.c_str(), &st) == 0 ? (st.st_mode & 07777) : newFileMode();
    const fs::path target = request.outputDir ? *request.outputDir / input.filename() : input;
    AtomicFile out(target, mode);
    oc.signatures = module->extend(input, out, request.params);
    if (request.outputDir) {
      oc.output = out.placeAsNewOrNextFree();
    } else {
      out.placeReplacing();
      oc.output = target;
    }
  } catch (const Error& e) {
    if (e.category() == Category::Usage) throw;
    oc.error = e.withFile(input.string());
  }
  return oc;
}

}  // namespace

std::vector<ExtendOutcome> SigningService::extend(const ExtendRequest& asked) const {
  if (asked.params.level == SignatureLevel::B_B) {
    throw Error(Category::Usage, tr("extend raises signatures to B-T, B-LT or B-LTA; B-B is where they start"));
  }
  checkLevel(asked.params);
  ExtendRequest request = asked;
  SignRequest forSource;
  forSource.params = asked.params;
  request.params = withRevocationSource(forSource).params;
  std::vector<ExtendOutcome> out;
  for (const fs::path& input : request.inputs) out.push_back(extendOne(input, request, m_registry));
  return out;
}

}  // namespace securedoc
