// Gives back the memory that only start-up used, so the long-running agent's resident set is
// what its collection cycles touch. Start-up reads many pages of the binary and of the ~45
// shared libraries it maps (libcurl alone pulls in OpenSSL, GnuTLS, Kerberos, LDAP, …): the
// dynamic loader's symbol lookups, library constructors, OpenSSL's initialisation, option and
// config parsing. Those clean file-backed pages stay resident (counted in RSS) although the
// agent never touches most of them again. Thread-safe; call once when start-up is over.
#pragma once

#include <cstddef>

namespace hivewatch {

struct TrimmedMemory {
  size_t file_ranges = 0;  // read-only segments whose pages were dropped
  size_t file_bytes = 0;   // their size (mapped, not necessarily resident before)
};

// Drops this process's page-table entries for the read-only segments (code, constants) of every
// loaded ELF object (madvise MADV_DONTNEED) and returns the heap's free pages (malloc_trim).
// The dropped pages are clean copies of the files, which stay in the page cache: a page used
// again is mapped back by a minor fault, so behaviour is unchanged and only the pages the agent
// keeps using count in its RSS afterwards. Writable segments (data, relocations, the RELRO part)
// and objects with text relocations are left alone, so no modified page is ever discarded.
TrimmedMemory TrimStartupMemory();

}  // namespace hivewatch
