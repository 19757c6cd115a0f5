#!/usr/bin/env bash
# The layering rules of docs/ARCHITECTURE.md as a test (run with the host tests; PASS:/FAIL: lines):
#   drivers/   reach mm through its public headers only: no kernel/mm internal header, no page-table
#              function, no memmap initialization, no writing of page state (PageOffline ranges go
#              through mm/page_offline.h);
#   kernel/mm/ includes no arch header (asm/...) and no driver header (drivers/...): it builds on the
#              host with the seam of mm/arch.h alone.
cd "$(dirname "$0")/.." || exit 1
pass=0 fail=0

rule() { # name, files..., with the pattern in $pat: every match is one FAIL line
	local name=$1
	shift
	local hits
	hits=$(grep -nE "$pat" "$@" 2>/dev/null | grep -vE '^[^:]+:[0-9]+:\s*(\*|/\*|//)')
	if [ -n "$hits" ]; then
		echo "$hits" | head -20 | sed 's/^/INFO: layering: /'
		echo "FAIL: layering: $name ($(echo "$hits" | wc -l) places, above)"
		fail=$((fail + 1))
	else
		echo "PASS: layering: $name"
		pass=$((pass + 1))
	fi
}

drivers=$(find drivers -name '*.[ch]')
mm=$(find kernel/mm include/mm -name '*.[ch]')

pat='#include *"(\.\./)*(kernel/mm/|internal\.h|hotplug_internal\.h)'
rule "drivers include no mm-internal header" $drivers
pat='\b(arch_add_memory|arch_remove_memory|arch_is_mapped|arch_direct_map_init)\s*\('
rule "drivers call no page-table function" $drivers
pat='\b(memmap_init_pageblock|memmap_init_range|pageblock_memmap_lazy|__SetPageOffline|__ClearPageOffline|__SetPageReserved|__ClearPageReserved|set_page_count|page_ref_(inc|dec|add)|adjust_managed_page_count)\s*\('
rule "drivers write no struct page and init no memmap" $drivers
pat='#include *"(asm/|drivers/)'
rule "kernel/mm includes no arch or driver header" $mm

echo "SUMMARY: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
