#include "common/protocol/stream.h"

#include <openssl/evp.h>

#include <algorithm>

#include "common/error.h"
#include "common/protocol/control.h"

namespace parc::protocol {

namespace {

constexpr std::uint64_t kMaxCredit = 1ULL << 30;

StreamId streamId(const Json& j) {
  auto it = j.find("stream");
  if (it == j.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() == 0 ||
      it->get<std::uint64_t>() > 0xffffffffULL)
    throw Error(ErrorKind::kBadRequest, "stream message without a valid 'stream' id");
  return static_cast<StreamId>(it->get<std::uint64_t>());
}

std::uint32_t u32(const Json& j, const char* key, std::uint32_t fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() > kMaxCredit)
    throw Error(ErrorKind::kBadRequest, std::string("'") + key + "' must be 0 to 2^30");
  return static_cast<std::uint32_t>(it->get<std::uint64_t>());
}

Json object(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Json::object();
  if (!it->is_object())
    throw Error(ErrorKind::kBadRequest, std::string("'") + key + "' must be an object");
  return *it;
}

std::string text(const Json& j, const char* key, const std::string& fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string())
    throw Error(ErrorKind::kBadRequest, std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

Json envelope(const char* type, StreamId id) {
  return Json{{"v", kControlVersion}, {"type", type}, {"stream", id}};
}

}  // namespace

std::string encodeStreamData(StreamId id, std::string_view bytes) {
  std::string frame(4 + bytes.size(), '\0');
  frame[0] = static_cast<char>((id >> 24) & 0xff);
  frame[1] = static_cast<char>((id >> 16) & 0xff);
  frame[2] = static_cast<char>((id >> 8) & 0xff);
  frame[3] = static_cast<char>(id & 0xff);
  std::copy(bytes.begin(), bytes.end(), frame.begin() + 4);
  return frame;
}

StreamData decodeStreamData(std::string_view frame) {
  if (frame.size() < 4) throw Error(ErrorKind::kBadRequest, "stream frame shorter than its header");
  auto b = [&](int i) { return static_cast<StreamId>(static_cast<unsigned char>(frame[i])); };
  StreamId id = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  if (id == 0) throw Error(ErrorKind::kBadRequest, "stream frame for stream 0");
  return StreamData{id, frame.substr(4)};
}

const char* streamKindName(StreamKind k) {
  switch (k) {
    case StreamKind::kTerminal: return "terminal";
    case StreamKind::kFileGet: return "file_get";
    case StreamKind::kFilePut: return "file_put";
    case StreamKind::kDesktop: return "desktop";
  }
  return "unknown";
}

StreamKind streamKindFromName(const std::string& name) {
  for (auto k :
       {StreamKind::kTerminal, StreamKind::kFileGet, StreamKind::kFilePut, StreamKind::kDesktop}) {
    if (name == streamKindName(k)) return k;
  }
  throw Error(ErrorKind::kBadRequest, "unknown stream kind '" + name.substr(0, 32) + "'");
}

Json toJson(const StreamOpen& m) {
  Json j = envelope("stream_open", m.id);
  j["kind"] = streamKindName(m.kind);
  j["window"] = m.window;
  j["params"] = m.params;
  return j;
}

Json toJson(const StreamOpened& m) {
  Json j = envelope("stream_opened", m.id);
  j["window"] = m.window;
  j["info"] = m.info;
  return j;
}

Json toJson(const StreamCredit& m) {
  Json j = envelope("stream_credit", m.id);
  j["bytes"] = m.bytes;
  return j;
}

Json toJson(const StreamControl& m) {
  Json j = envelope("stream_control", m.id);
  j["data"] = m.data;
  return j;
}

Json toJson(const StreamClose& m) {
  Json j = envelope("stream_close", m.id);
  j["status"] = m.status;
  if (!m.reason.empty()) j["reason"] = m.reason;
  j["info"] = m.info;
  return j;
}

StreamOpen streamOpenFromJson(const Json& j) {
  StreamOpen m;
  m.id = streamId(j);
  m.kind = streamKindFromName(text(j, "kind", ""));
  m.window = u32(j, "window", kDefaultStreamWindow);
  m.params = object(j, "params");
  return m;
}

StreamOpened streamOpenedFromJson(const Json& j) {
  return StreamOpened{streamId(j), u32(j, "window", kDefaultStreamWindow), object(j, "info")};
}

StreamCredit streamCreditFromJson(const Json& j) {
  return StreamCredit{streamId(j), u32(j, "bytes", 0)};
}

StreamControl streamControlFromJson(const Json& j) {
  return StreamControl{streamId(j), object(j, "data")};
}

StreamClose streamCloseFromJson(const Json& j) {
  StreamClose m;
  m.id = streamId(j);
  m.status = text(j, "status", "ok");
  if (m.status != "ok" && m.status != "refused" && m.status != "error")
    throw Error(ErrorKind::kBadRequest, "stream_close status must be ok, refused or error");
  m.reason = text(j, "reason", "").substr(0, 512);
  m.info = object(j, "info");
  return m;
}

bool isStreamMessage(const std::string& type) {
  return type == "stream_open" || type == "stream_opened" || type == "stream_credit" ||
         type == "stream_control" || type == "stream_close";
}

std::size_t SendWindow::take(std::size_t wanted) {
  std::lock_guard lock(mutex_);
  std::size_t n = std::min<std::uint64_t>(wanted, available_);
  available_ -= n;
  return n;
}

void SendWindow::grant(std::uint32_t bytes) {
  std::lock_guard lock(mutex_);
  if (available_ + bytes > kMaxCredit)
    throw Error(ErrorKind::kBadRequest, "stream credit beyond 1 GiB: the peer is broken");
  available_ += bytes;
}

std::size_t SendWindow::available() const {
  std::lock_guard lock(mutex_);
  return available_;
}

void ReceiveWindow::received(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  if (outstanding_ + bytes > window_)
    throw Error(ErrorKind::kTooLarge, "stream data beyond the credit granted (" +
                                          std::to_string(outstanding_ + bytes) + " > " +
                                          std::to_string(window_) + " bytes)");
  outstanding_ += bytes;
  undelivered_ += bytes;
}

std::uint32_t ReceiveWindow::delivered(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  bytes = std::min<std::uint64_t>(bytes, undelivered_);
  undelivered_ -= bytes;
  toGrant_ += bytes;
  if (toGrant_ < window_ / 2) return 0;
  auto grant = static_cast<std::uint32_t>(toGrant_);
  outstanding_ -= toGrant_;
  toGrant_ = 0;
  return grant;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
    throw Error(ErrorKind::kInternal, "SHA-256 initialisation failed");
}

Sha256Stream::~Sha256Stream() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Sha256Stream::update(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
}

std::string Sha256Stream::finishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &n);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace parc::protocol
