#pragma once
// Multiplexed byte streams over the agent's control channel (docs/protocol.md, "Streams"):
// data travels in binary frames `[stream id: u32 big-endian][bytes]`, the life of a
// stream (open, opened, credit, control, close) in JSON text frames of the control
// envelope. Each direction of a stream has a credit window: the sender may have at most
// `window` bytes unacknowledged, the receiver returns credit once it has delivered the
// bytes (to the PTY, the file, the browser). One busy desktop therefore cannot fill the
// channel's queue nor the other side's memory.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/json/json.h"

namespace parc::protocol {

using StreamId = std::uint32_t;

/// Largest payload of one data frame: small enough that a keystroke never waits long
/// behind a bulk transfer on the shared channel.
inline constexpr std::size_t kMaxStreamChunk = 32 * 1024;
/// Bytes in flight per stream and direction before the sender waits for credit.
inline constexpr std::uint32_t kDefaultStreamWindow = 256 * 1024;

/// `[id][bytes]` as one binary frame.
std::string encodeStreamData(StreamId id, std::string_view bytes);

struct StreamData {
  StreamId id = 0;
  std::string_view bytes;  // points into the frame
};
/// kBadRequest for a frame shorter than the 4-byte header or with id 0.
StreamData decodeStreamData(std::string_view frame);

/// The kinds of stream the agent serves.
enum class StreamKind { kTerminal, kFileGet, kFilePut, kDesktop };
const char* streamKindName(StreamKind k);
/// kBadRequest for an unknown name.
StreamKind streamKindFromName(const std::string& name);

/// Server → agent: open a stream.
struct StreamOpen {
  StreamId id = 0;
  StreamKind kind = StreamKind::kTerminal;
  std::uint32_t window = kDefaultStreamWindow;  // what the agent may send before credit
  Json params = Json::object();                 // per kind (path, size, cols/rows, consent …)
};
/// Agent → server: the stream is ready (with what the kind reports: file size, …).
struct StreamOpened {
  StreamId id = 0;
  std::uint32_t window = kDefaultStreamWindow;  // what the server may send before credit
  Json info = Json::object();
};
/// Either way: `bytes` more may be sent.
struct StreamCredit {
  StreamId id = 0;
  std::uint32_t bytes = 0;
};
/// Either way: an in-band message for the other end (resize, end of upload).
struct StreamControl {
  StreamId id = 0;
  Json data = Json::object();
};
/// Either way: the stream is over. `status` "ok" (ended normally), "refused" (consent,
/// policy, path), "error"; `info` carries the kind's summary (sha256, bytes).
struct StreamClose {
  StreamId id = 0;
  std::string status = "ok";
  std::string reason;
  Json info = Json::object();
};

Json toJson(const StreamOpen& m);
Json toJson(const StreamOpened& m);
Json toJson(const StreamCredit& m);
Json toJson(const StreamControl& m);
Json toJson(const StreamClose& m);
/// Parsers of messages whose controlType() is "stream_open", … (kBadRequest otherwise).
StreamOpen streamOpenFromJson(const Json& j);
StreamOpened streamOpenedFromJson(const Json& j);
StreamCredit streamCreditFromJson(const Json& j);
StreamControl streamControlFromJson(const Json& j);
StreamClose streamCloseFromJson(const Json& j);
/// True for the types above: what the control channel hands to the stream layer.
bool isStreamMessage(const std::string& type);

/// The sending half of a window. Thread-safe; `acquire` waits for credit.
class SendWindow {
 public:
  explicit SendWindow(std::uint32_t initial = kDefaultStreamWindow) : available_(initial) {}
  /// Takes up to `wanted` bytes of credit, 0 when none is left (never waits).
  std::size_t take(std::size_t wanted);
  /// Credit returned by the receiver; kBadRequest when it would exceed 1 GiB (a peer
  /// granting what it never received is broken).
  void grant(std::uint32_t bytes);
  std::size_t available() const;

 private:
  mutable std::mutex mutex_;
  std::uint64_t available_;
};

/// The receiving half: counts what arrived against what was granted, and says when
/// to grant more (after half the window was delivered, to avoid one message per frame).
class ReceiveWindow {
 public:
  explicit ReceiveWindow(std::uint32_t window = kDefaultStreamWindow) : window_(window) {}
  /// Bytes arrived; kTooLarge when the peer sends beyond the credit it was given.
  void received(std::size_t bytes);
  /// Bytes delivered to the consumer; returns the credit to grant now (0: not yet).
  std::uint32_t delivered(std::size_t bytes);
  std::uint32_t window() const { return window_; }

 private:
  std::mutex mutex_;
  std::uint32_t window_;
  std::uint64_t outstanding_ = 0;  // received, not yet credited back
  std::uint64_t undelivered_ = 0;  // received, not yet delivered
  std::uint64_t toGrant_ = 0;      // delivered, not yet credited back
};

/// SHA-256 over a stream's bytes as they pass (file transfer checks end to end).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view bytes);
  /// Lowercase hex; the object is spent afterwards.
  std::string finishHex();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept out of this header
};

}  // namespace parc::protocol
