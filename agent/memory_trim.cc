#include "agent/memory_trim.h"

#include <elf.h>
#include <link.h>
#include <malloc.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

namespace hivewatch {
namespace {

struct TrimState {
  uintptr_t page = 4096;
  uintptr_t vdso = 0;  // the kernel's vDSO image: not a file, never touched
  TrimmedMemory result;
};

// Whether the object's dynamic section asks for text relocations (its code pages were written).
bool HasTextRelocations(const dl_phdr_info* info) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_DYNAMIC) continue;
    for (auto* d = reinterpret_cast<const ElfW(Dyn)*>(info->dlpi_addr + ph.p_vaddr);
         d->d_tag != DT_NULL; ++d) {
      if (d->d_tag == DT_TEXTREL) return true;
      if (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)) return true;
    }
  }
  return false;
}

// Runs with the dynamic loader's lock held, so no object is unloaded (and its range reused)
// while its segments are advised.
int TrimObject(dl_phdr_info* info, size_t, void* data) {
  auto* state = static_cast<TrimState*>(data);
  const auto phdr = reinterpret_cast<uintptr_t>(info->dlpi_phdr);
  if (state->vdso != 0 && phdr >= state->vdso && phdr < state->vdso + 16 * state->page) return 0;
  if (HasTextRelocations(info)) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) || ph.p_memsz == 0) continue;
    uintptr_t begin = (info->dlpi_addr + ph.p_vaddr) & ~(state->page - 1);
    uintptr_t end =
        (info->dlpi_addr + ph.p_vaddr + ph.p_memsz + state->page - 1) & ~(state->page - 1);
    if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED) == 0) {
      ++state->result.file_ranges;
      state->result.file_bytes += end - begin;
    }
  }
  return 0;
}

}  // namespace

TrimmedMemory TrimStartupMemory() {
  TrimState state;
  state.page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  state.vdso = static_cast<uintptr_t>(::getauxval(AT_SYSINFO_EHDR));
  ::dl_iterate_phdr(TrimObject, &state);
  ::malloc_trim(0);
  return state.result;
}

}  // namespace hivewatch
