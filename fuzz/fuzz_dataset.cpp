// libFuzzer target: the dataset loader must turn any bytes into diagnostics, never a crash,
// hang or unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "chokepoint/load/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return 0;
  chokepoint::LoadOptions options;
  options.strict = size % 2 == 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto result = chokepoint::load_dataset_from_string(text, "fuzz.yaml", options);
  // Every diagnostic must format without throwing.
  for (const auto& d : result.diagnostics.items()) (void)chokepoint::format_diagnostic_text(d, false);
  return 0;
}
