#pragma once
/// Where command output goes: stdout or a file written atomically, and terminal colour.

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chokepoint {

/// A file that could not be written; the app maps it to exit code 3.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An input that could not be read; exit code 3.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes `content` to `path` through a temporary file in the same directory and a rename, so that
/// a failed or interrupted run never leaves a half-written file. Throws OutputError.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);
/// Writes a directory of files at once: into a temporary sibling directory, renamed to `dir` when
/// every file is written. `dir` must not exist or be empty, so that no stale file from an earlier
/// run mixes in. Each entry is (file name, content). Throws OutputError.
void write_directory_atomic(const std::filesystem::path& dir,
                            const std::vector<std::pair<std::string, std::string>>& files);
/// Writes to `path`, or to stdout when `path` is empty or "-".
void emit(const std::string& path, std::string_view content);
/// Where output goes a piece at a time.
using PieceSink = std::function<void(std::string_view)>;
/// The same for output written a piece at a time: `write` is called once with a sink for the
/// pieces. A file is still written atomically (nothing is left if `write` throws); the whole is
/// never held in memory.
void emit_pieces(const std::string& path, const std::function<void(const PieceSink&)>& write);

enum class ColorMode { automatic, always, never };
/// Colour for a stream: never with NO_COLOR set or TERM=dumb, always when forced, else when a terminal.
bool use_color(ColorMode mode, int fd);
/// True when the file descriptor is a terminal.
bool is_terminal(int fd);

}  // namespace chokepoint
