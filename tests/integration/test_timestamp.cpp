// RFC 3161 end to end on 127.0.0.1: the reference TSA (cloud/tsa.h) over HTTP,
// the libcurl client (crypto/tsa_client.h), the token checker (timestamp.h)
// and, as the independent party, openssl ts and the curl command.
#include <boost/test/unit_test.hpp>

#include "crypto_printers.h"
#include "test_support.h"

#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/crypto/tsa_client.h>

#include <openssl/err.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <set>
#include <thread>

using namespace securedoc;
using securedoc::test::pkiDir;
using securedoc::test::run;
using securedoc::test::TempDir;
namespace fs = std::filesystem;

namespace {

using securedoc::test::NoProxyForLoopback;
BOOST_TEST_GLOBAL_FIXTURE(NoProxyForLoopback);

auto hasCategory(Category c) {
  return [c](const Error& e) { return e.category() == c; };
}
auto categoryNaming(Category c, const std::string& url) {
  return [c, url](const Error& e) {
    BOOST_TEST_MESSAGE("error: " << e.what());
    return e.category() == c && e.message().find(url) != std::string::npos;
  };
}

Certificate load(const std::string& name) { return Certificate::loadFile(pkiDir() / name).at(0); }
Bytes bytesOf(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string textOf(const Bytes& b) { return std::string(b.begin(), b.end()); }

/// The demo PKI's TSA (with the issuing CA in its tokens) served on a free port.
struct DemoTsa {
  DemoTsa() {
    server.start();
    options.url = server.url();
    options.trustAnchors = {load("root-ca.pem")};
    options.timeoutSeconds = 10;
  }
  fs::path pki = pkiDir();
  cloud::TsaResponder responder{pki / "tsa.pem", pki / "tsa.key", {pki / "issuing-ca.pem"}};
  cloud::TsaHttpServer server{responder};
  TsaOptions options;
};

ossl::TsResp parseResponse(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::TsResp r(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
  BOOST_TEST_REQUIRE(static_cast<bool>(r), "the answer is a DER TimeStampResp");
  return r;
}
long statusOf(TS_RESP* r) { return ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r))); }
bool failureBit(TS_RESP* r, int bit) {
  const ASN1_BIT_STRING* f = TS_STATUS_INFO_get0_failure_info(TS_RESP_get_status_info(r));
  return f && ASN1_BIT_STRING_get_bit(f, bit) == 1;
}

ossl::TsTstInfo tstInfoOf(const Bytes& token) {
  const unsigned char* p = token.data();
  ossl::Pkcs7 p7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
  BOOST_TEST_REQUIRE(static_cast<bool>(p7), "the token is a DER ContentInfo");
  ossl::TsTstInfo info(PKCS7_to_TS_TST_INFO(p7.get()));
  BOOST_TEST_REQUIRE(static_cast<bool>(info), "the token holds a TSTInfo");
  return info;
}
std::uint64_t serialOf(const Bytes& token) {
  std::uint64_t v = 0;
  ASN1_INTEGER_get_uint64(&v, TS_TST_INFO_get_serial(tstInfoOf(token).get()));
  return v;
}
std::string policyOf(const Bytes& token) {
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, TS_TST_INFO_get_policy_id(tstInfoOf(token).get()), 1);
  return buf;
}

/// A port nothing listens on (any more).
int closedPort() {
  cloud::TsaHttpServer s(cloud::TsaHttpServer::Handler([](const Bytes&) { return Bytes{}; }));
  const int port = s.start();
  s.stop();
  return port;
}

/// A second, unrelated TSA: a self-signed P-256 certificate with the given
/// extendedKeyUsage line.
std::pair<fs::path, fs::path> makeOtherTsa(const TempDir& dir, const std::string& eku) {
  const std::string cnf =
      "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = Other TSA\n"
      "[ext]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n";
  test::writeFile(dir / "other.cnf", cnf + "extendedKeyUsage = " + eku + "\n");
  const auto r = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", (dir / "other.key").string(), "-out", (dir / "other.pem").string(), "-days", "2",
                      "-config", (dir / "other.cnf").string(), "-extensions", "ext"});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  return {dir / "other.pem", dir / "other.key"};
}

/// POST a file with the curl command; returns the HTTP status.
std::string curlPost(const std::string& url, const fs::path& body, const std::string& type, const fs::path& out) {
  const auto r = run({"curl", "-s", "--noproxy", "*", "-o", out.string(), "-w", "%{http_code}", "-H",
                      "Content-Type: " + type, "--data-binary", "@" + body.string(), url});
  return r.out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(timestamp_authority_round_trip, DemoTsa)

BOOST_AUTO_TEST_CASE(a_token_from_the_demo_tsa_passes_the_token_checker_for_every_digest) {
  const Bytes data = bytesOf("the signature value being time-stamped");
  for (auto alg : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha384, DigestAlgorithm::Sha512}) {
    BOOST_TEST_CONTEXT(alg) {
      options.digest = alg;
      const Bytes token = requestTimestampToken(data, options);
      const TimestampCheck c = checkTimestampToken(token, data, {load("root-ca.pem")}, {});
      BOOST_TEST(c.parsed, "token parsed: " << c.detail);
      BOOST_TEST(c.imprintMatches, "message imprint = hash of the data");
      BOOST_TEST(c.signatureValid, "TSA signature verifies: " << c.detail);
      BOOST_TEST(c.chain.status == ChainStatus::Valid, "TSA chain to the root: " << c.chain.detail);
      BOOST_TEST(c.chain.path.size() == 3u, "TSA, issuing CA (from the token), root");
      BOOST_TEST((c.tsa && c.tsa->commonName() == "SecureDoc Demo TSA"), "the signer is the demo TSA");
      BOOST_TEST_REQUIRE(c.genTime.has_value(), "genTime read");
      BOOST_TEST(std::abs(*c.genTime - std::time(nullptr)) <= 5, "genTime is now: " << isoTime(*c.genTime));
      BOOST_TEST(policyOf(token) == cloud::kDemoTsaPolicy, "the demo policy");
      // RFC 3161 §2.3 (critical timeStamping EKU only), §2.4.2 / RFC 5816
      // (ESS reference to the TSA certificate), genTime not in the future.
      BOOST_TEST(c.ekuValid, "the demo TSA has the critical timeStamping EKU only");
      BOOST_TEST(c.essCertificateMatches, "the ESS signing-certificate-v2 names the TSA: " << c.detail);
      BOOST_TEST(c.genTimeAcceptable, "genTime not after now");
      BOOST_TEST(c.ok(), c.detail);
      BOOST_TEST(!checkTimestampToken(token, bytesOf("other data"), {load("root-ca.pem")}, {}).imprintMatches,
                 "other data is not covered");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_token_checked_at_a_time_before_its_gen_time_is_not_acceptable) {
  const Bytes data = bytesOf("from the future");
  const Bytes token = requestTimestampToken(data, options);
  const std::time_t anHourAgo = std::time(nullptr) - 3600;
  const TimestampCheck c = checkTimestampToken(token, data, {load("root-ca.pem")}, {}, anHourAgo);
  BOOST_TEST(c.signatureValid, "the token itself is sound");
  BOOST_TEST(c.ekuValid);
  BOOST_TEST(!c.genTimeAcceptable, "genTime is after the validation time");
  BOOST_TEST(!c.ok());
  BOOST_TEST(c.detail.find("after the validation time") != std::string::npos, c.detail);
  BOOST_TEST(checkTimestampToken(token, data, {load("root-ca.pem")}, {}, std::time(nullptr) + 60).ok());
}

// RFC 3161 §2.4.2: genTime is within +/- accuracy.  The test TSA states one
// second, so a validation time one second before genTime is not "before the
// time-stamp" (the two clocks are read a moment apart); two seconds is.
BOOST_AUTO_TEST_CASE(the_tokens_accuracy_is_the_tolerance_for_a_gen_time_just_ahead) {
  const Bytes data = bytesOf("a second ahead");
  const Bytes token = requestTimestampToken(data, options);
  const TimestampCheck now = checkTimestampToken(token, data, {load("root-ca.pem")}, {}, std::time(nullptr) + 5);
  BOOST_TEST_REQUIRE(now.genTime.has_value());
  const std::time_t genTime = *now.genTime;
  BOOST_TEST(checkTimestampToken(token, data, {load("root-ca.pem")}, {}, genTime - 1).genTimeAcceptable,
             "within the stated accuracy of one second");
  BOOST_TEST(!checkTimestampToken(token, data, {load("root-ca.pem")}, {}, genTime - 2).genTimeAcceptable, "beyond it");
}

BOOST_AUTO_TEST_CASE(the_digest_variant_covers_a_precomputed_hash_and_checks_its_size) {
  const Bytes data = bytesOf("precomputed");
  const Bytes token = requestTimestampTokenForDigest(digest(DigestAlgorithm::Sha256, data), options);
  BOOST_TEST(checkTimestampToken(token, data, {load("root-ca.pem")}, {}).imprintMatches, "same imprint");
  BOOST_CHECK_EXCEPTION(requestTimestampTokenForDigest(digest(DigestAlgorithm::Sha384, data), options), Error,
                        hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(openssl_ts_verifies_our_query_and_the_reply) {
  TempDir dir;
  const TimestampExchange ex = requestTimestampExchange(digest(DigestAlgorithm::Sha256, bytesOf("x")), options);
  BOOST_TEST(serialOf(ex.token) > 0u);
  test::writeFile(dir / "q.tsq", textOf(ex.request));
  test::writeFile(dir / "r.tsr", textOf(ex.response));
  // ca-chain.pem is the issuing CA and the root.
  const auto r = run({"openssl", "ts", "-verify", "-queryfile", (dir / "q.tsq").string(), "-in",
                      (dir / "r.tsr").string(), "-CAfile", (pkiDir() / "ca-chain.pem").string()});
  BOOST_TEST(r.exitCode == 0, r.err);
  BOOST_TEST(r.out.find("Verification: OK") != std::string::npos, r.out << r.err);
}

BOOST_AUTO_TEST_CASE(a_query_made_by_openssl_is_answered_and_openssl_verifies_the_reply) {
  TempDir dir;
  test::writeFile(dir / "data.txt", "time-stamp me");
  BOOST_TEST_REQUIRE(run({"openssl", "ts", "-query", "-data", (dir / "data.txt").string(), "-sha512", "-cert", "-out",
                          (dir / "q.tsq").string()})
                         .exitCode == 0);
  BOOST_TEST(curlPost(server.url(), dir / "q.tsq", "application/timestamp-query", dir / "r.tsr") == "200");
  const auto r = run({"openssl", "ts", "-verify", "-data", (dir / "data.txt").string(), "-in", (dir / "r.tsr").string(),
                      "-CAfile", (pkiDir() / "ca-chain.pem").string()});
  BOOST_TEST(r.out.find("Verification: OK") != std::string::npos, r.out << r.err);
}

BOOST_AUTO_TEST_CASE(without_trust_anchors_everything_but_the_chain_is_checked) {
  options.trustAnchors.clear();
  const Bytes data = bytesOf("no anchors");
  const Bytes token = requestTimestampToken(data, options);
  BOOST_TEST(checkTimestampToken(token, data, {}, {}).signatureValid, "a valid token all the same");

  // A replayed answer still fails without anchors: only the chain is skipped.
  const TimestampExchange first = requestTimestampExchange(digest(DigestAlgorithm::Sha256, data), options);
  cloud::TsaHttpServer replay(cloud::TsaHttpServer::Handler([&](const Bytes&) { return first.response; }));
  options.url = "http://127.0.0.1:" + std::to_string(replay.start()) + "/tsa";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(data, options), Error, hasCategory(Category::Crypto));
}

BOOST_AUTO_TEST_CASE(concurrent_requests_get_distinct_increasing_serials) {
  constexpr int kThreads = 4;
  constexpr int kEach = 5;
  std::vector<std::vector<std::uint64_t>> serials(kThreads);
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kEach; ++i) {
          serials[t].push_back(serialOf(requestTimestampToken(bytesOf("thread " + std::to_string(t)), options)));
        }
      } catch (const std::exception& e) {
        failures[t] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    BOOST_TEST_CONTEXT("thread " << t) {
      BOOST_TEST(failures[t].empty(), failures[t]);
      for (std::size_t i = 1; i < serials[t].size(); ++i) {
        BOOST_TEST(serials[t][i] > serials[t][i - 1], "serials increase");
      }
      all.insert(serials[t].begin(), serials[t].end());
    }
  }
  BOOST_TEST(all.size() == static_cast<std::size_t>(kThreads * kEach), "every token has its own serial");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(timestamp_client_errors, DemoTsa)

BOOST_AUTO_TEST_CASE(a_closed_port_is_a_network_error_naming_the_url) {
  options.url = "http://127.0.0.1:" + std::to_string(closedPort()) + "/tsa";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error,
                        categoryNaming(Category::Network, options.url));
}

BOOST_AUTO_TEST_CASE(an_unknown_path_is_a_network_error) {
  options.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/nope";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error,
                        categoryNaming(Category::Network, options.url));
}

BOOST_AUTO_TEST_CASE(credentials_in_the_url_never_reach_the_message) {
  options.url = "http://alice:s3cret@127.0.0.1:" + std::to_string(closedPort()) + "/tsa";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error, [](const Error& e) {
    return e.category() == Category::Network && std::string(e.what()).find("s3cret") == std::string::npos &&
           e.message().find("127.0.0.1") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(garbage_with_the_right_content_type_is_a_crypto_error) {
  cloud::TsaHttpServer junk(cloud::TsaHttpServer::Handler([](const Bytes&) { return bytesOf("<html>hello</html>"); }));
  options.url = "http://127.0.0.1:" + std::to_string(junk.start()) + "/tsa";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error,
                        categoryNaming(Category::Crypto, options.url));
}

BOOST_AUTO_TEST_CASE(an_answer_over_one_mebibyte_is_cut_off) {
  cloud::TsaHttpServer big(cloud::TsaHttpServer::Handler([](const Bytes&) { return Bytes(2u << 20, 0x30); }));
  options.url = "http://127.0.0.1:" + std::to_string(big.start()) + "/tsa";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error,
                        categoryNaming(Category::Network, options.url));
}

BOOST_AUTO_TEST_CASE(a_silent_tsa_times_out_as_a_network_error) {
  cloud::TsaHttpServer slow(cloud::TsaHttpServer::Handler([this](const Bytes& req) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    return responder.respond(req);
  }));
  options.url = "http://127.0.0.1:" + std::to_string(slow.start()) + "/tsa";
  options.timeoutSeconds = 1;
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error,
                        categoryNaming(Category::Network, options.url));
}

BOOST_AUTO_TEST_CASE(a_rejection_from_the_tsa_is_a_crypto_error_with_its_reason) {
  cloud::TsaHttpServer rejecting(
      cloud::TsaHttpServer::Handler([this](const Bytes&) { return responder.respond(bytesOf("not a request")); }));
  options.url = "http://127.0.0.1:" + std::to_string(rejecting.start()) + "/tsa";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error, [&](const Error& e) {
    BOOST_TEST_MESSAGE("error: " << e.what());
    return e.category() == Category::Crypto && e.message().find(options.url) != std::string::npos &&
           e.detail().find("badDataFormat") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(a_token_from_a_tsa_outside_the_trust_anchors_is_refused) {
  TempDir dir;
  const auto [cert, key] = makeOtherTsa(dir, "critical, timeStamping");
  cloud::TsaResponder other(cert, key);
  cloud::TsaHttpServer otherServer(other);
  options.url = "http://127.0.0.1:" + std::to_string(otherServer.start()) + "/tsa";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error,
                        categoryNaming(Category::Crypto, options.url));
  options.trustAnchors = {Certificate::loadFile(cert).at(0)};
  BOOST_TEST(!requestTimestampToken(bytesOf("x"), options).empty(), "accepted once it is the anchor");
}

BOOST_AUTO_TEST_CASE(a_tsa_certificate_with_another_key_purpose_is_refused_even_without_anchors) {
  // RFC 3161 §2.3: timeStamping must be the only key purpose.  OpenSSL's own
  // purpose check lets an unknown extra purpose through, so the responder
  // signs; the client must refuse.
  TempDir dir;
  const auto [cert, key] = makeOtherTsa(dir, "critical, timeStamping, 1.3.6.1.4.1.99999.7");
  cloud::TsaResponder other(cert, key);
  cloud::TsaHttpServer otherServer(other);
  options.url = "http://127.0.0.1:" + std::to_string(otherServer.start()) + "/tsa";
  options.trustAnchors = {Certificate::loadFile(cert).at(0)};
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error,
                        categoryNaming(Category::Crypto, options.url));
  options.trustAnchors.clear();
  BOOST_CHECK_EXCEPTION(requestTimestampToken(bytesOf("x"), options), Error, hasCategory(Category::Crypto));
}

BOOST_AUTO_TEST_CASE(a_replayed_response_fails_the_nonce_check) {
  const Bytes data = bytesOf("replayed");
  const TimestampExchange first = requestTimestampExchange(digest(DigestAlgorithm::Sha256, data), options);
  cloud::TsaHttpServer replay(cloud::TsaHttpServer::Handler([&](const Bytes&) { return first.response; }));
  options.url = "http://127.0.0.1:" + std::to_string(replay.start()) + "/tsa";
  BOOST_CHECK_EXCEPTION(requestTimestampToken(data, options), Error, [&](const Error& e) {
    BOOST_TEST_MESSAGE("error: " << e.what());
    return e.category() == Category::Crypto && e.message().find(options.url) != std::string::npos &&
           e.detail().find("nonce") != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(timestamp_responder)

BOOST_AUTO_TEST_CASE(malformed_requests_get_a_rejection_response_not_an_exception) {
  const fs::path pki = pkiDir();
  cloud::TsaResponder responder(pki / "tsa.pem", pki / "tsa.key");
  const Bytes good = [&] {
    DemoTsa tsa;
    return requestTimestampExchange(digest(DigestAlgorithm::Sha256, bytesOf("x")), tsa.options).request;
  }();
  Bytes trailing = good;
  trailing.push_back(0);
  const std::vector<std::pair<std::string, Bytes>> cases = {
      {"empty", {}},
      {"text", bytesOf("GET / HTTP/1.1")},
      {"truncated", Bytes(good.begin(), good.begin() + static_cast<long>(good.size() / 2))},
      {"trailing byte", trailing},
      {"bare SEQUENCE", Bytes{0x30, 0x00}},
  };
  for (const auto& [name, req] : cases) {
    BOOST_TEST_CONTEXT(name) {
      Bytes answer;
      BOOST_CHECK_NO_THROW(answer = responder.respond(req));
      const auto resp = parseResponse(answer);
      BOOST_TEST(statusOf(resp.get()) == TS_STATUS_REJECTION, "status rejection");
      BOOST_TEST(failureBit(resp.get(), TS_INFO_BAD_DATA_FORMAT), "failInfo badDataFormat");
      BOOST_TEST(TS_RESP_get_token(resp.get()) == nullptr, "no token");
    }
  }
  const auto ok = parseResponse(responder.respond(good));
  BOOST_TEST(statusOf(ok.get()) == TS_STATUS_GRANTED, "the intact request is granted");
  BOOST_TEST(ERR_peek_error() == 0u, "no OpenSSL errors left behind");
}

BOOST_AUTO_TEST_CASE(a_sha1_imprint_is_rejected_with_bad_alg) {
  TempDir dir;
  test::writeFile(dir / "data.txt", "old");
  BOOST_TEST_REQUIRE(
      run({"openssl", "ts", "-query", "-data", (dir / "data.txt").string(), "-sha1", "-out", (dir / "q.tsq").string()})
          .exitCode == 0);
  cloud::TsaResponder responder(pkiDir() / "tsa.pem", pkiDir() / "tsa.key");
  const auto resp = parseResponse(responder.respond(bytesOf(test::readText(dir / "q.tsq"))));
  BOOST_TEST(statusOf(resp.get()) == TS_STATUS_REJECTION);
  BOOST_TEST(failureBit(resp.get(), TS_INFO_BAD_ALG), "failInfo badAlg");
}

BOOST_AUTO_TEST_CASE(the_http_front_end_refuses_wrong_content_types_and_oversized_bodies) {
  DemoTsa tsa;
  TempDir dir;
  test::writeFile(dir / "small.bin", "abc");
  test::writeFile(dir / "big.bin", std::string(cloud::TsaHttpServer::kMaxTsaRequestSize + 1, '\x30'));
  BOOST_TEST(curlPost(tsa.server.url(), dir / "small.bin", "text/plain", dir / "o") == "415", "wrong type");
  BOOST_TEST(curlPost(tsa.server.url(), dir / "big.bin", "application/timestamp-query", dir / "o") == "413",
             "over 64 KiB");
  BOOST_TEST(curlPost(tsa.server.url(), dir / "small.bin", "application/timestamp-query", dir / "o") == "200",
             "garbage of the right type gets a TSA answer");
  BOOST_TEST(statusOf(parseResponse(bytesOf(test::readText(dir / "o"))).get()) == TS_STATUS_REJECTION);
}

BOOST_AUTO_TEST_CASE(a_certificate_without_critical_time_stamping_usage_cannot_make_a_responder) {
  TempDir dir;
  const auto [cert, key] = makeOtherTsa(dir, "timeStamping");
  BOOST_CHECK_EXCEPTION(cloud::TsaResponder(cert, key), Error, hasCategory(Category::Policy));
  BOOST_CHECK_EXCEPTION(cloud::TsaResponder(pkiDir() / "tsa.pem", pkiDir() / "issuing-ca.key"), Error,
                        hasCategory(Category::Crypto));
  BOOST_CHECK_EXCEPTION(cloud::TsaResponder(pkiDir() / "tsa.pem", pkiDir() / "tsa.key", {}, "not an oid"), Error,
                        hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_SUITE_END()
