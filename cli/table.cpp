#include "cli/table.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace parc::cli {

namespace {
// Display width of UTF-8 text: count code points, not bytes.
size_t width(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}
}  // namespace

void printTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = width(headers[i]);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], width(row[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < headers.size(); ++i) {
      std::string cell = i < cells.size() ? printable(cells[i]) : "";
      out << cell;
      if (i + 1 < headers.size()) out << std::string(widths[i] - width(cell) + 2, ' ');
    }
    out << "\n";
  };
  line(headers);
  for (const auto& row : rows) line(row);
}

std::string formatTime(long long unixSeconds) {
  if (unixSeconds <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

namespace {

// The length of the UTF-8 sequence at s[i] and its code point; 0 when invalid
// (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, truncated).
std::size_t decodeUtf8(const std::string& s, std::size_t i, char32_t& cp) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  std::size_t n = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xe  ? 3
                  : (b >> 3) == 0x1e ? 4
                                     : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? b : n == 2 ? (b & 0x1f) : n == 3 ? (b & 0x0f) : (b & 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// What a terminal would act on rather than show: C0, DEL, C1 (U+0080–U+009F, among them
// the 8-bit CSI U+009B), and the bidirectional overrides that make text read otherwise
// than it is stored ("Trojan Source").
bool isControl(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

std::string filtered(const std::string& s, bool keepLines) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t n = decodeUtf8(s, i, cp);
    if (n == 0) {
      out += '?';
      ++i;
      continue;
    }
    bool kept = !isControl(cp) || (keepLines && (cp == '\n' || cp == '\t'));
    if (kept) {
      out.append(s, i, n);
    } else {
      out += '?';
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string printable(const std::string& s) {
  return filtered(s, false);
}

std::string printableText(const std::string& s) {
  return filtered(s, true);
}

std::string terminalJson(const nlohmann::json& j) {
  // dump() escapes C0 and replaces invalid UTF-8; what it leaves raw is escaped here.
  std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t n = decodeUtf8(text, i, cp);
    if (n == 0) {  // cannot happen after replace(): pass the byte through
      n = 1;
      cp = 0;
    }
    if (cp >= 0x7f && isControl(cp)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(text, i, n);
    }
    i += n;
  }
  return out;
}

}  // namespace parc::cli
