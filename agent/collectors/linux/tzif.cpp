#include "agent/collectors/linux/tzif.h"

#include <cctype>
#include <cstdlib>
#include <vector>

namespace parc::agent::collectors::linux_ {

namespace {

constexpr std::size_t kHeader = 44;

std::int64_t be(std::string_view s, std::size_t pos, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s[pos + i]);
  if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

struct Counts {
  std::int64_t isut, isstd, leap, time, type, chars;
};

std::optional<Counts> counts(std::string_view s, std::size_t at) {
  if (s.size() < at + kHeader || s.substr(at, 4) != "TZif") return std::nullopt;
  Counts c{be(s, at + 20, 4), be(s, at + 24, 4), be(s, at + 28, 4),
           be(s, at + 32, 4), be(s, at + 36, 4), be(s, at + 40, 4)};
  if (c.isut < 0 || c.isstd < 0 || c.leap < 0 || c.time < 0 || c.type <= 0 || c.chars < 0 ||
      c.type > 256 || c.time > 100000 || c.chars > 4096 || c.leap > 10000)
    return std::nullopt;
  return c;
}

std::size_t blockSize(const Counts& c, std::size_t timeSize) {
  return static_cast<std::size_t>(c.time * (timeSize + 1) + c.type * 6 + c.chars +
                                  c.leap * (timeSize + 4) + c.isstd + c.isut);
}

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leapYear(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

class TzParser {
 public:
  explicit TzParser(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  std::optional<std::string> name() {
    std::string out;
    if (eat('<')) {
      while (!done() && peek() != '>') out.push_back(s_[i_++]);
      if (!eat('>')) return std::nullopt;
    } else {
      while (!done() && std::isalpha(static_cast<unsigned char>(peek()))) out.push_back(s_[i_++]);
    }
    if (out.size() < 3) return std::nullopt;
    return out;
  }
  std::optional<std::int64_t> number() {
    if (done() || !std::isdigit(static_cast<unsigned char>(peek()))) return std::nullopt;
    std::int64_t v = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(peek())) && v < 100000)
      v = v * 10 + (s_[i_++] - '0');
    return v;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  std::optional<std::int64_t> time() {
    int sign = 1;
    if (eat('-'))
      sign = -1;
    else
      eat('+');
    auto h = number();
    if (!h || *h > 167) return std::nullopt;
    std::int64_t v = *h * 3600;
    if (eat(':')) {
      auto m = number();
      if (!m) return std::nullopt;
      v += *m * 60;
      if (eat(':')) {
        auto sec = number();
        if (!sec) return std::nullopt;
        v += *sec;
      }
    }
    return sign * v;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

struct Rule {
  char kind = 'M';  // 'M' (Mm.w.d), 'J' (Jn, no Feb 29), 'N' (n, zero-based with Feb 29)
  std::int64_t month = 0, week = 0, day = 0;
  std::int64_t time = 7200;  // 02:00:00 local by default
};

std::optional<Rule> rule(TzParser& p) {
  Rule r;
  if (p.eat('M')) {
    auto m = p.number();
    if (!m || !p.eat('.')) return std::nullopt;
    auto w = p.number();
    if (!w || !p.eat('.')) return std::nullopt;
    auto d = p.number();
    if (!d || *m < 1 || *m > 12 || *w < 1 || *w > 5 || *d > 6) return std::nullopt;
    r.month = *m, r.week = *w, r.day = *d;
  } else {
    r.kind = p.eat('J') ? 'J' : 'N';
    auto n = p.number();
    if (!n || *n > 365) return std::nullopt;
    r.day = *n;
  }
  if (p.eat('/')) {
    auto t = p.time();
    if (!t) return std::nullopt;
    r.time = *t;
  }
  return r;
}

// Local seconds since the epoch at which the rule fires in `year`.
std::int64_t ruleLocalTime(const Rule& r, std::int64_t year) {
  std::int64_t days = 0;
  if (r.kind == 'M') {
    static const unsigned kLen[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    std::int64_t first = daysFromCivil(year, static_cast<unsigned>(r.month), 1);
    std::int64_t weekdayOfFirst = ((first % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday
    std::int64_t dom = 1 + ((r.day - weekdayOfFirst) % 7 + 7) % 7 + (r.week - 1) * 7;
    std::int64_t len = kLen[r.month - 1] + (r.month == 2 && leapYear(year) ? 1 : 0);
    while (dom > len) dom -= 7;
    days = first + dom - 1;
  } else if (r.kind == 'J') {
    days = daysFromCivil(year, 1, 1) + r.day - 1 + (leapYear(year) && r.day >= 60 ? 1 : 0);
  } else {
    days = daysFromCivil(year, 1, 1) + r.day;
  }
  return days * 86400 + r.time;
}

std::int64_t yearOf(std::int64_t epoch) {
  std::int64_t days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400;
  // Inverse of daysFromCivil, year only.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

}  // namespace

std::optional<ZoneOffset> posixTzOffsetAt(std::string_view tz, std::int64_t epoch) {
  TzParser p(tz);
  auto stdName = p.name();
  auto stdOff = p.time();
  if (!stdName || !stdOff) return std::nullopt;
  ZoneOffset standard{*stdName, -*stdOff, false};
  if (p.done()) return standard;
  auto dstName = p.name();
  if (!dstName) return std::nullopt;
  std::int64_t dstUtoff = standard.utcOffsetSeconds + 3600;
  if (p.peek() != ',' && !p.done()) {
    auto o = p.time();
    if (!o) return std::nullopt;
    dstUtoff = -*o;
  }
  ZoneOffset daylight{*dstName, dstUtoff, true};
  if (!p.eat(',')) return standard;  // no rule: POSIX leaves it to the implementation
  auto start = rule(p);
  if (!start || !p.eat(',')) return std::nullopt;
  auto end = rule(p);
  if (!end) return std::nullopt;
  std::int64_t year = yearOf(epoch + standard.utcOffsetSeconds);
  std::int64_t s = ruleLocalTime(*start, year) - standard.utcOffsetSeconds;
  std::int64_t e = ruleLocalTime(*end, year) - daylight.utcOffsetSeconds;
  bool inDst = s < e ? (epoch >= s && epoch < e) : !(epoch >= e && epoch < s);
  return inDst ? daylight : standard;
}

std::optional<ZoneOffset> zoneOffsetAt(std::string_view tzif, std::int64_t epoch) {
  auto v1 = counts(tzif, 0);
  if (!v1) return std::nullopt;
  std::size_t at = kHeader;
  std::size_t timeSize = 4;
  Counts c = *v1;
  bool v2 = tzif.size() > 4 && tzif[4] >= '2';
  if (v2) {
    auto second = counts(tzif, kHeader + blockSize(*v1, 4));
    if (!second) return std::nullopt;
    c = *second;
    at = kHeader + blockSize(*v1, 4) + kHeader;
    timeSize = 8;
  }
  if (tzif.size() < at + blockSize(c, timeSize)) return std::nullopt;
  std::size_t types = at + static_cast<std::size_t>(c.time) * timeSize;
  std::size_t infos = types + static_cast<std::size_t>(c.time);
  std::size_t chars = infos + static_cast<std::size_t>(c.type) * 6;
  auto info = [&](std::int64_t index) -> std::optional<ZoneOffset> {
    if (index < 0 || index >= c.type) return std::nullopt;
    std::size_t p = infos + static_cast<std::size_t>(index) * 6;
    auto abbr = static_cast<unsigned char>(tzif[p + 5]);
    if (abbr >= c.chars) return std::nullopt;
    std::string_view names = tzif.substr(chars, static_cast<std::size_t>(c.chars));
    std::string_view name = names.substr(abbr);
    name = name.substr(0, name.find('\0'));
    return ZoneOffset{std::string(name), be(tzif, p, 4), tzif[p + 4] != 0};
  };
  // Last transition at or before the instant.
  std::int64_t found = -1;
  for (std::int64_t i = 0; i < c.time; ++i) {
    if (be(tzif, at + static_cast<std::size_t>(i) * timeSize, timeSize) > epoch) break;
    found = i;
  }
  bool pastLast = c.time == 0 || found == c.time - 1;
  if (v2 && pastLast) {
    // Footer: "\n<POSIX TZ>\n" after the v2 data block.
    std::size_t footer = at + blockSize(c, timeSize);
    if (footer < tzif.size() && tzif[footer] == '\n') {
      std::string_view rest = tzif.substr(footer + 1);
      auto nl = rest.find('\n');
      if (nl != std::string_view::npos && nl > 0) {
        if (auto z = posixTzOffsetAt(rest.substr(0, nl), epoch)) return z;
      }
    }
  }
  if (found < 0) return info(0);
  return info(static_cast<unsigned char>(tzif[types + static_cast<std::size_t>(found)]));
}

}  // namespace parc::agent::collectors::linux_
