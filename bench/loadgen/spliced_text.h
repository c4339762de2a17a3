#pragma once
// A message's text written once with marks where each copy differs, and copies made by
// splicing values in: building JSON again for every report was most of the load
// generator's CPU, which this machine's two cores take from the server's share.
#include <string>
#include <vector>

namespace parc::loadgen {

class SplicedText {
 public:
  /// Each mark must appear exactly once in `text` (std::runtime_error otherwise).
  SplicedText(const std::string& text, const std::vector<std::string>& marks);
  /// The text with values[k] in place of marks[k].
  std::string make(const std::vector<std::string>& values) const;

 private:
  std::vector<std::string> pieces_;
  std::vector<std::size_t> fields_;  // which value goes after pieces_[i]
  std::size_t marks_ = 0;
};

}  // namespace parc::loadgen
