// SMTP e-mail (RFC 5321) with STARTTLS (RFC 3207) or implicit TLS, AUTH PLAIN (RFC 4616)
// only inside TLS, and a UTF-8 text body in base64 so no line ever needs dot-stuffing.
// Plain sockets and OpenSSL: one short conversation does not need Asio.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "server/alerts/notifiers/notifier.h"
#include "server/alerts/notifiers/outgoing.h"

namespace parc::server::alerts::notifiers {

namespace {

constexpr int kTimeoutMs = 30000;

[[noreturn]] void unavailable(const std::string& what) {
  throw Error(ErrorKind::kUnavailable, "SMTP: " + what);
}

std::string opensslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "TLS error" : out;
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

// One SMTP conversation over a socket, upgraded to TLS when asked.
class SmtpSession {
 public:
  SmtpSession(const std::string& host, int port) : host_(host) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
      unavailable("cannot resolve " + host + ": " + gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(res, freeaddrinfo);
    std::string lastError = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
      Fd s{::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
      if (s.fd < 0) continue;
      if (::connect(s.fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
        lastError = std::strerror(errno);
        continue;
      }
      pollfd p{s.fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      if (::poll(&p, 1, kTimeoutMs) != 1 ||
          getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        lastError = err ? std::strerror(err) : "connection timed out";
        continue;
      }
      // Blocking from here on, every read and write bounded by the socket timeouts.
      ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) & ~O_NONBLOCK);
      timeval tv{kTimeoutMs / 1000, 0};
      setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      std::swap(fd_.fd, s.fd);
      return;
    }
    unavailable("cannot connect to " + host + ":" + std::to_string(port) + ": " + lastError);
  }

  void startTls(const std::string& caPem) {
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    if (!ctx_) unavailable(opensslErrors());
    SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    if (caPem.empty()) {
      SSL_CTX_set_default_verify_paths(ctx_.get());
    } else {
      std::unique_ptr<BIO, decltype(&BIO_free)> bio(
          BIO_new_mem_buf(caPem.data(), static_cast<int>(caPem.size())), BIO_free);
      X509_STORE* store = SSL_CTX_get_cert_store(ctx_.get());
      while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store, cert);
        X509_free(cert);
      }
      ERR_clear_error();  // the end of the PEM list reads as an error
    }
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_.fd);
    // The certificate must name the server: its IP address when configured by address
    // (no SNI then, RFC 6066), else its DNS name.
    in6_addr probe{};
    bool isIp = inet_pton(AF_INET, host_.c_str(), &probe) == 1 ||
                inet_pton(AF_INET6, host_.c_str(), &probe) == 1;
    if (isIp) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), host_.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_.get(), host_.c_str());
      SSL_set1_host(ssl_.get(), host_.c_str());
    }
    if (SSL_connect(ssl_.get()) != 1) {
      long verify = SSL_get_verify_result(ssl_.get());
      unavailable("TLS handshake with " + host_ + " failed: " +
                  (verify != X509_V_OK ? X509_verify_cert_error_string(verify) : opensslErrors()));
    }
  }

  bool tls() const { return ssl_ != nullptr; }

  void send(std::string_view data) {
    while (!data.empty()) {
      long n = ssl_ ? SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()))
                    : ::send(fd_.fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) unavailable("connection lost while writing");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // A whole reply, multi-line included ("250-…" lines then "250 …"); returns the code.
  int reply(std::string* text = nullptr) {
    for (;;) {
      std::string line = readLine();
      if (line.size() < 3) unavailable("malformed reply: " + line);
      if (text) *text += line + "\n";
      if (line.size() == 3 || line[3] == ' ') return std::stoi(line.substr(0, 3));
    }
  }

  void expect(std::string_view command, int code, const std::string& what) {
    if (!command.empty()) send(command);
    std::string text;
    int got = reply(&text);
    if (got / 100 != code / 100) {
      // 5xx is permanent for this message, but the channel may be fixed: keep retrying.
      unavailable(what + " refused: " + text.substr(0, text.find('\n')));
    }
  }

 private:
  std::string readLine() {
    for (;;) {
      if (auto nl = buffer_.find("\r\n"); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 2);
        return line;
      }
      if (buffer_.size() > 65536) unavailable("reply line too long");
      char chunk[4096];
      long n =
          ssl_ ? SSL_read(ssl_.get(), chunk, sizeof chunk) : ::recv(fd_.fd, chunk, sizeof chunk, 0);
      if (n <= 0) unavailable("connection closed or timed out while reading");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  std::string host_;
  Fd fd_;
  std::unique_ptr<SSL_CTX, CtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::string buffer_;
};

std::string encodedWord(const std::string& text) {
  return "=?UTF-8?B?" + base64(text) + "?=";
}

std::string rfc5322Date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

bool safeAddress(const std::string& a) {
  return !a.empty() && a.size() <= 254 && a.find('@') != std::string::npos &&
         a.find_first_of("\r\n<> ,") == std::string::npos;
}

// The SMTP relay is behind the same guard as webhooks: a tenant's technician must not
// turn the server into a port scanner of its own network. A local or internal relay is
// allowed by naming it in the server's allow-list.
class Email : public Notifier {
 public:
  explicit Email(OutgoingPolicy policy) : policy_(std::move(policy)) {}
  std::string_view kind() const override { return "email"; }

  void validate(const Json& s) const override {
    auto need = [&](const char* key) {
      if (!s.contains(key) || !s[key].is_string() || s[key].get<std::string>().empty()) {
        throw Error(ErrorKind::kBadRequest, std::string("e-mail channel needs \"") + key + "\"");
      }
    };
    need("host");
    need("from");
    if (!safeAddress(s["from"].get<std::string>())) {
      throw Error(ErrorKind::kBadRequest, "from is not an e-mail address");
    }
    if (!s.contains("to") || !s["to"].is_array() || s["to"].empty()) {
      throw Error(ErrorKind::kBadRequest, "e-mail channel needs \"to\": a list of addresses");
    }
    for (const auto& t : s["to"]) {
      if (!t.is_string() || !safeAddress(t.get<std::string>())) {
        throw Error(ErrorKind::kBadRequest, "a recipient is not an e-mail address");
      }
    }
    std::string tls = s.value("tls", "starttls");
    if (tls != "starttls" && tls != "implicit" && tls != "none") {
      throw Error(ErrorKind::kBadRequest, "tls must be starttls, implicit or none");
    }
    if (tls == "none" && s.contains("username")) {
      throw Error(ErrorKind::kBadRequest, "a password is never sent without TLS");
    }
    if (s.contains("port") && (!s["port"].is_number_integer() || s["port"].get<int>() < 1 ||
                               s["port"].get<int>() > 65535)) {
      throw Error(ErrorKind::kBadRequest, "port must be 1 to 65535");
    }
    if (s.contains("digest_hour") &&
        (!s["digest_hour"].is_number_integer() || s["digest_hour"].get<int>() < 0 ||
         s["digest_hour"].get<int>() > 23)) {
      throw Error(ErrorKind::kBadRequest, "digest_hour is an hour of the day, 0 to 23");
    }
    checkOutgoingAtValidation({s["host"].get<std::string>(), 25}, policy_);
  }

  void send(const Channel& channel, Notification& n) override {
    mail(channel.settings, frenchSubject(n), frenchBody(n),
         "X-Parc-Alert: " + std::to_string(n.alert.id) + "\r\n");
  }

  void sendDigest(const Channel& channel, const std::string& subject,
                  const std::string& body) override {
    mail(channel.settings, subject, body, "X-Parc-Digest: daily\r\n");
  }

  void sendTest(const Channel& channel, const TestMessage& m) override {
    mail(channel.settings, m.subject, m.body, "X-Parc-Test: 1\r\n");
  }

 private:
  // One SMTP transaction: (STARTTLS or implicit TLS), AUTH when configured, the message.
  void mail(const Json& s, const std::string& subject, const std::string& text,
            const std::string& extraHeaders) {
    validate(s);
    std::string host = s["host"].get<std::string>();
    std::string tls = s.value("tls", "starttls");
    int port = s.value("port", tls == "implicit" ? 465 : 587);
    std::string caPem = s.value("ca_pem", "");
    checkOutgoing({host, static_cast<std::uint16_t>(port)}, policy_);
    SmtpSession smtp(host, port);
    if (tls == "implicit") smtp.startTls(caPem);
    smtp.expect("", 220, "greeting");
    std::string helo = "EHLO " + s.value("helo", std::string("parc-server")) + "\r\n";
    smtp.expect(helo, 250, "EHLO");
    if (tls == "starttls") {
      smtp.expect("STARTTLS\r\n", 220, "STARTTLS");
      smtp.startTls(caPem);
      smtp.expect(helo, 250, "EHLO after STARTTLS");
    }
    if (s.contains("username")) {
      std::string user = s.value("username", ""), password = s.value("password", "");
      std::string token = std::string(1, '\0') + user + std::string(1, '\0') + password;
      smtp.expect("AUTH PLAIN " + base64(token) + "\r\n", 235, "authentication");
    }
    std::string from = s["from"].get<std::string>();
    smtp.expect("MAIL FROM:<" + from + ">\r\n", 250, "MAIL FROM");
    std::string toHeader;
    for (const auto& t : s["to"]) {
      smtp.expect("RCPT TO:<" + t.get<std::string>() + ">\r\n", 250, "recipient");
      toHeader += (toHeader.empty() ? "" : ", ") + t.get<std::string>();
    }
    smtp.expect("DATA\r\n", 354, "DATA");
    std::string body = base64(text);
    std::string message = "From: Parc <" + from + ">\r\nTo: " + toHeader +
                          "\r\nSubject: " + encodedWord(subject) + "\r\nDate: " + rfc5322Date() +
                          "\r\nMessage-ID: <" + crypto::uuid4() +
                          "@parc>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8"
                          "\r\nContent-Transfer-Encoding: base64\r\nContent-Language: fr\r\n" +
                          extraHeaders + "\r\n";
    for (std::size_t i = 0; i < body.size(); i += 76) message += body.substr(i, 76) + "\r\n";
    message += ".\r\n";
    smtp.expect(message, 250, "message");
    smtp.send("QUIT\r\n");  // the answer does not matter: the message is accepted
  }

  OutgoingPolicy policy_;
};

}  // namespace

NotifierPtr makeEmail(OutgoingPolicy policy) {
  return std::make_unique<Email>(std::move(policy));
}

}  // namespace parc::server::alerts::notifiers
