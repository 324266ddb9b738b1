#pragma once
/// Small text helpers that know nothing of the domain.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chokepoint {

/// Levenshtein edit distance, bytes.
std::size_t edit_distance(std::string_view a, std::string_view b);
/// The closest candidate within a distance that scales with the word, if any.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);
/// "did you mean 'x'?" or an empty string.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
/// True for lower-case kebab ids: [a-z0-9]+(-[a-z0-9]+)*
bool is_kebab_id(std::string_view s);
/// True when the bytes are valid UTF-8; `bad_offset` gets the first bad byte.
bool is_valid_utf8(std::string_view s, std::size_t* bad_offset = nullptr);
/// Splits on '\n' (a trailing '\r' is dropped from each line).
std::vector<std::string> split_lines(std::string_view text);

}  // namespace chokepoint
