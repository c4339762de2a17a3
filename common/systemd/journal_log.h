#pragma once
// Under systemd, stderr goes to the journal, which reads a "<N>" syslog-priority prefix
// on each line: with it, `journalctl -p warning -u parc-agent` filters by level.

namespace parc::systemd {

/// True when stderr is the journal stream systemd gave us (JOURNAL_STREAM matches it).
bool stderrIsJournal();

/// When stderr is the journal, switches the default spdlog logger to "<N>message" lines
/// (the journal adds time, host and program itself); otherwise changes nothing.
void useJournalFormatIfConnected();

}  // namespace parc::systemd
