#include "bench/loadgen/spliced_text.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace parc::loadgen {

SplicedText::SplicedText(const std::string& text, const std::vector<std::string>& marks)
    : marks_(marks.size()) {
  std::vector<std::pair<std::size_t, std::size_t>> at;  // position, mark
  for (std::size_t k = 0; k < marks.size(); ++k) {
    std::size_t pos = text.find(marks[k]);
    if (pos == std::string::npos || text.find(marks[k], pos + 1) != std::string::npos)
      throw std::runtime_error("message template: mark " + marks[k] + " not found once");
    at.emplace_back(pos, k);
  }
  std::sort(at.begin(), at.end());
  std::size_t from = 0;
  for (auto [pos, k] : at) {
    pieces_.push_back(text.substr(from, pos - from));
    fields_.push_back(k);
    from = pos + marks[k].size();
  }
  pieces_.push_back(text.substr(from));
}

std::string SplicedText::make(const std::vector<std::string>& values) const {
  if (values.size() != marks_) throw std::logic_error("message template: wrong number of values");
  std::size_t size = 0;
  for (const auto& p : pieces_) size += p.size();
  for (const auto& v : values) size += v.size();
  std::string out;
  out.reserve(size);
  out += pieces_[0];
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    out += values[fields_[i]];
    out += pieces_[i + 1];
  }
  return out;
}

}  // namespace parc::loadgen
