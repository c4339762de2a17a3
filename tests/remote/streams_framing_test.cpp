// The stream framing and its flow control (common/protocol/stream.h).
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/protocol/control.h"
#include "common/protocol/stream.h"

namespace parc::protocol {
namespace {

TEST(StreamFraming, DataFrameRoundTrips) {
  std::string bytes("\x00\x01\xff hello", 9);
  std::string frame = encodeStreamData(0x01020304, bytes);
  ASSERT_EQ(frame.size(), 4 + bytes.size());
  EXPECT_EQ(frame.substr(0, 4), std::string("\x01\x02\x03\x04", 4));
  StreamData d = decodeStreamData(frame);
  EXPECT_EQ(d.id, 0x01020304U);
  EXPECT_EQ(std::string(d.bytes), bytes);
  EXPECT_TRUE(decodeStreamData(encodeStreamData(7, "")).bytes.empty());
}

TEST(StreamFraming, RefusesShortFramesAndStreamZero) {
  EXPECT_THROW(decodeStreamData("abc"), Error);
  EXPECT_THROW(decodeStreamData(std::string("\0\0\0\0x", 5)), Error);
}

TEST(StreamFraming, ControlMessagesRoundTripThroughTheEnvelope) {
  StreamOpen open{42, StreamKind::kFilePut, 1000, Json{{"path", "/srv/a"}}};
  Json j = toJson(open);
  EXPECT_EQ(controlType(j), "stream_open");
  EXPECT_TRUE(isStreamMessage(controlType(j)));
  StreamOpen back = streamOpenFromJson(j);
  EXPECT_EQ(back.id, 42U);
  EXPECT_EQ(back.kind, StreamKind::kFilePut);
  EXPECT_EQ(back.window, 1000U);
  EXPECT_EQ(back.params["path"], "/srv/a");

  StreamClose close{9, "refused", "the user declined", Json{{"k", 1}}};
  StreamClose c = streamCloseFromJson(toJson(close));
  EXPECT_EQ(c.status, "refused");
  EXPECT_EQ(c.reason, "the user declined");
  EXPECT_EQ(streamCreditFromJson(toJson(StreamCredit{3, 77})).bytes, 77U);
  EXPECT_EQ(streamControlFromJson(toJson(StreamControl{3, Json{{"eof", true}}})).data["eof"], true);
  EXPECT_FALSE(isStreamMessage("command"));
}

TEST(StreamFraming, RefusesMalformedControlMessages) {
  Json j = toJson(StreamOpen{1, StreamKind::kTerminal, 10, Json::object()});
  j["kind"] = "shell_as_root";
  EXPECT_THROW(streamOpenFromJson(j), Error);
  Json k = toJson(StreamCredit{1, 5});
  k["stream"] = -1;
  EXPECT_THROW(streamCreditFromJson(k), Error);
  Json l = toJson(StreamCredit{1, 5});
  l["bytes"] = 1LL << 40;
  EXPECT_THROW(streamCreditFromJson(l), Error);
  Json m = toJson(StreamClose{1, "ok", "", Json::object()});
  m["status"] = "maybe";
  EXPECT_THROW(streamCloseFromJson(m), Error);
}

TEST(StreamFlowControl, SenderStopsAtTheWindowAndResumesOnCredit) {
  SendWindow w(100);
  EXPECT_EQ(w.take(60), 60U);
  EXPECT_EQ(w.take(60), 40U);  // only what is left
  EXPECT_EQ(w.take(1), 0U);    // blocked: nothing in flight may exceed the window
  w.grant(30);
  EXPECT_EQ(w.take(100), 30U);
  w.grant(1U << 30);  // up to 1 GiB in flight is accepted
  EXPECT_THROW(w.grant(1), Error);
  EXPECT_THROW(w.grant(0x7fffffff), Error);
}

TEST(StreamFlowControl, ReceiverRefusesDataBeyondCreditAndGrantsInHalves) {
  ReceiveWindow r(100);
  r.received(60);
  EXPECT_EQ(r.delivered(40), 0U);   // below half the window: no message yet
  EXPECT_EQ(r.delivered(20), 60U);  // 60 delivered ≥ 50: credit back
  r.received(100);                  // the whole window again
  EXPECT_THROW(r.received(1), Error);
  EXPECT_EQ(r.delivered(100), 100U);
  r.received(100);
  // Delivering more than arrived grants nothing extra.
  EXPECT_EQ(r.delivered(1000), 100U);
}

TEST(StreamFlowControl, SenderAndReceiverTogetherNeverExceedTheWindow) {
  // A fast producer and a slow consumer: in-flight bytes stay bounded by the window.
  SendWindow send(1000);
  ReceiveWindow receive(1000);
  std::size_t inFlight = 0, maxInFlight = 0, total = 0;
  for (int step = 0; step < 10000; ++step) {
    std::size_t n = send.take(137);
    receive.received(n);
    inFlight += n;
    total += n;
    maxInFlight = std::max(maxInFlight, inFlight);
    if (step % 3 == 0 && inFlight > 0) {  // the consumer delivers a third of the time
      std::size_t d = std::min<std::size_t>(inFlight, 200);
      inFlight -= d;
      if (auto c = receive.delivered(d)) send.grant(c);
    }
  }
  EXPECT_LE(maxInFlight, 1000U);
  EXPECT_GT(total, 50000U);  // and it kept moving
}

TEST(StreamDigest, MatchesTheOneShotSha256) {
  Sha256Stream s;
  s.update("hello ");
  s.update("world");
  EXPECT_EQ(s.finishHex(), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
}

}  // namespace
}  // namespace parc::protocol
