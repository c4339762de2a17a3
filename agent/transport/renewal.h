#pragma once
// The agent's certificate lifecycle after enrolment: renewal before expiry, and the set
// of CA certificates it trusts the server with (what the server announces over an
// authenticated channel, as long as it shares an anchor with what the agent trusts).
//
// Files in the data directory, besides identity.h's:
//   agent.key.new (0600), agent.pem.new   a renewed key and certificate not yet proven to
//                                         work; the current ones stay in use until then
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/transport/identity.h"
#include "common/json/json.h"

namespace parc::agent::transport {

/// Validity of a certificate, Unix seconds.
struct CertificateTimes {
  std::int64_t notBefore = 0;
  std::int64_t notAfter = 0;
};
CertificateTimes certificateTimes(const std::string& pem);

/// True once less than a third of the certificate's lifetime remains.
bool renewalDue(const CertificateTimes& t, std::int64_t now);
/// How often to check: a tenth of the lifetime, between 1 s and 1 h.
std::chrono::milliseconds checkInterval(const CertificateTimes& t);

/// SHA-256 fingerprints of the certificates of a PEM bundle.
std::vector<std::string> anchorFingerprints(const std::string& bundlePem);
/// The bundle to trust after the server announced `announced` (PEM, one CA each): the
/// announced set when every entry is a self-signed CA certificate and it keeps at
/// least one anchor of `current`; nullopt when it must be ignored or changes nothing.
std::optional<std::string> acceptAnnouncedAnchors(const std::string& current,
                                                  const std::vector<std::string>& announced);

/// Renews the certificate when due and keeps the trust anchors up to date, on its own
/// thread: at start, then every checkInterval (with backoff after failures).
class Renewer {
 public:
  /// `onChange` is called with the new identity once a renewed certificate has been
  /// proven to work or the anchors changed (reconnect the control channel with it).
  Renewer(std::filesystem::path dataDir, Identity identity,
          std::function<void(const Identity&)> onChange);
  ~Renewer();
  Renewer(const Renewer&) = delete;
  Renewer& operator=(const Renewer&) = delete;

  void start();
  void stop();

  /// One round: finish a pending renewal, check in (report the anchors known, learn the
  /// announced ones), renew when due. Throws parc::Error when the server cannot be
  /// reached or refuses.
  void checkOnce(std::int64_t now);
  Identity identity();

 private:
  void loop();
  Json checkIn(const Identity& identity);
  bool tryPending();
  void renew();
  void adopt(Identity next, const char* why);

  std::filesystem::path dataDir_;
  std::function<void(const Identity&)> onChange_;
  std::mutex mutex_;
  Identity identity_;  // guarded by mutex_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parc::agent::transport
