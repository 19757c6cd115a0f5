# hotmem build. `make help` lists the targets. Sources are found by directory: a new .c or .asm file
# under arch/, boot/, kernel/ or drivers/ is part of the kernel without editing this file, and a new
# tests/host/test_*.c is a host test whose extra sources are named in its first `host-srcs:` comment,
# where @mm-core, @mm-hotplug and @mmtest stand for the source sets below.

VERSION      := 0.1.0
BUILD        := build
ACCEL        ?= tcg
QEMU         ?= qemu-system-x86_64
GDB          ?=
CMDLINE      ?=
MEM          ?= 2G
VMEM         ?= 1
SHELL        := /bin/bash
,            := ,

CC           := gcc
LD           := ld
NASM         := nasm
HOST_CC      ?= gcc

GCC_INCLUDE  := $(shell $(CC) -print-file-name=include)
INCLUDES     := -Iinclude -Iarch/x86_64/include

# newlib, the C library of the image (docs/ARCHITECTURE.md "newlib"): libc.a, libm.a and headers built
# once by scripts/newlib from Debian's newlib-source into a folder named for the tarball's version and
# the flags, which `make clean` keeps. Only the freestanding build sees it; the host tests use glibc.
# NEWLIB=<folder> uses a build elsewhere (the lab grader points its scratch trees at this tree's).
NEWLIB       ?= $(BUILD)/newlib-$(shell scripts/newlib --key)
NEWLIB_LIBS  := $(NEWLIB)/lib/libm.a $(NEWLIB)/lib/libc.a
WARN         := -Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes -Wshadow

# The kernel's own C stays off the FPU and SSE (-mgeneral-regs-only); newlib and the applications use
# SSE, which the kernel enables at entry and saves on interrupt entry (docs/ARCHITECTURE.md).
BASE_CFLAGS  := -std=c11 -O2 -g $(WARN) $(INCLUDES) -nostdinc -isystem $(NEWLIB)/include \
                -isystem $(GCC_INCLUDE) -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                -mno-red-zone -mcmodel=kernel -fno-asynchronous-unwind-tables \
                -fno-omit-frame-pointer -fno-strict-aliasing -fno-common -malign-data=abi \
                -D_DEFAULT_SOURCE -DHOTMEM_VERSION='"$(VERSION)"' -MMD -MP
KCFLAGS      := $(BASE_CFLAGS) -mgeneral-regs-only
# Applications (apps/) are ordinary C programs on newlib: floating point allowed.
APP_CFLAGS   := $(BASE_CFLAGS) -Iapps
KLDFLAGS     := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

HOST_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_CFLAGS  := -std=gnu11 -g -O1 $(WARN) $(INCLUDES) -Itests/host/support -DHOST_BUILD $(HOST_SAN)

KSRC_C       := $(sort $(shell find arch kernel drivers -name '*.c' 2>/dev/null))
KSRC_ASM     := $(sort $(shell find arch boot -name '*.asm' 2>/dev/null))
APP_SRC      := $(sort $(wildcard apps/*.c))
KOBJS        := $(patsubst %.c,$(BUILD)/k/%.o,$(KSRC_C)) $(patsubst %.asm,$(BUILD)/k/%.o,$(KSRC_ASM)) \
                $(patsubst %.c,$(BUILD)/k/%.o,$(APP_SRC))

# The memory manager's sources for the host, listed once (the kernel build finds them by directory):
# host tests name a set as @<set> on their host-srcs line, scripts/bench asks `make -s print-srcs SET=<set>`.
# Each set needs the ones before it; the kernel/lib files are those the set calls.
SRCSET_mm-core    := $(addprefix kernel/mm/,page_alloc.c page_moves.c pageblock.c memmap_init.c deferred.c zone.c page.c sparse.c \
                       memblock.c slab.c debug.c verify.c init.c) kernel/lib/parse.c
SRCSET_mm-hotplug := $(addprefix kernel/mm/,page_isolation.c migrate.c notifier.c memory_hotplug.c \
                       memory_add_remove.c memory_block.c contig.c page_offline.c walk.c) kernel/lib/errname.c
SRCSET_mmtest     := $(addprefix kernel/mmtest/,workload.c pin.c balloon.c) kernel/mmtest/offline_owner.c
# vheap needs the vmap area of mm/arch.h, which only tests/host/vmap_fake.c fakes
SRCSET_mm-vheap   := kernel/mm/vheap.c
# The sources of host test $(1): its first host-srcs line, each @set replaced by the set's files.
host_srcs = $(call srcs_of,$(1),host-srcs)
# The same for any `<tag>: ...` first line (fuzz harnesses use fuzz-srcs).
srcs_of = $(foreach w,$(shell sed -n 's|^/\* *$(2): *\(.*\) *\*/|\1|p' $(1) | head -n1),$\
              $(if $(filter @%,$(w)),$(or $(SRCSET_$(w:@%=%)),$(error $(1): no source set $(w))),$(w)))

HOST_TESTS   := $(sort $(wildcard tests/host/test_*.c))
HOST_BINS    := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(HOST_TESTS))
HOST_SUPPORT := $(sort $(wildcard tests/host/support/*.c))
# A host test links many sources in one gcc call, where -MMD keeps only the last file's list: depend on
# every header instead (a header change rebuilds the host tests, ~20 s).
HOST_HEADERS := $(shell find include arch/x86_64/include tests/host kernel drivers -name '*.h' 2>/dev/null)

.PHONY: all kernel iso run run-iso run-uefi efi run-efi gdb test host-tests qemu-tests fuzz fuzz-build fuzz-replay bench \
        demo lint format clean distclean setup help print-srcs lab lab-list grade newlib

all: kernel
kernel: $(BUILD)/hotmem.elf

help:
	@echo "make              build build/hotmem.elf (PVH + multiboot2)"
	@echo "make run          boot it in QEMU with a virtio-mem device and QMP on build/qmp.sock"
	@echo "make gdb          attach gdb to a 'make run GDB=1'"
	@echo "make iso          build/hotmem.iso (GRUB, BIOS and UEFI; CMDLINE='...' goes into its grub.cfg)"
	@echo "make run-iso      boot the ISO under SeaBIOS; make run-uefi: under OVMF (same device, QMP)"
	@echo "make efi          build/BOOTX64.EFI (GNU-EFI loader, no GRUB) and the ESP folder build/esp/"
	@echo "make run-efi      boot build/esp/ under OVMF (same device, QMP; CMDLINE through startup.nsh)"
	@echo "make test         every test; ends with 'N passed, N failed'"
	@echo "make host-tests   build the host unit tests only"
	@echo "make fuzz         run each libFuzzer harness FUZZ_SECONDS (60) s; FUZZ=fuzz_virtqueue for one;"
	@echo "                  make fuzz-replay: replay the committed corpora only (regression)"
	@echo "make newlib       build newlib (libc.a, libm.a) into build/newlib-<key>/ (once; make clean keeps it)"
	@echo "make distclean    remove build/ with newlib's build"
	@echo "make bench        benchmarks (not part of make test); BENCH=1t or BENCH=boot,16g: only those rows"
	@echo "make demo         a scripted virtio-mem resize story, printed step by step"
	@echo "make lint         cppcheck and the include layers; make format: clang-format"
	@echo "make lab LAB=buddy  branch lab/buddy with the lab's code stubbed (make lab-list: the labs)"
	@echo "make grade [LAB=buddy]  grade the lab (every lab without LAB); ends with 'Score: X/Y'"
	@echo ""
	@echo "Variables of run, run-iso, run-uefi (defaults in brackets):"
	@echo "  MEM=2G           boot RAM (QEMU -m) [$(MEM)]"
	@echo "  CMDLINE='...'    kernel command line, e.g. 'loglevel=8 movablecore=512M' [$(CMDLINE)]"
	@echo "  VMEM=0           leave out the virtio-mem device (then offowner can run) [$(VMEM)]"
	@echo "  VMEM_REGION=4G   the device's region (its memory backend) [$(VMEM_REGION)]"
	@echo "  VMEM_REQUEST=1G  requested-size at boot; change it later with scripts/resize [$(VMEM_REQUEST)]"
	@echo "  VMEM_BLOCK=2M    the device's block size [$(VMEM_BLOCK)]"
	@echo "  RUN_MAXMEM=...   QEMU maxmem [MEM + VMEM_REGION]"
	@echo "  ACCEL=kvm        instead of TCG [$(ACCEL)]; GDB=1: wait for gdb on localhost:1234"

# Order-only: the headers must exist before the first compile; a newer libc.a alone rebuilds nothing.
$(BUILD)/k/%.o: %.c | $(NEWLIB_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/apps/%.o: apps/%.c | $(NEWLIB_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -c $< -o $@

# One recipe makes both libraries (and the headers); the folder is renamed into place when complete.
$(NEWLIB)/lib/libc.a:
	scripts/newlib $(NEWLIB)
$(NEWLIB)/lib/libm.a: $(NEWLIB)/lib/libc.a

newlib: $(NEWLIB_LIBS)

$(BUILD)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -Iarch/x86_64/include/ $< -o $@

# The fault report names functions (`cmd_crash+0x24/0x60`) from a symbol table inside the image. Two
# links: the first without the table, whose text symbols scripts/ksyms writes as C (build/ksyms.c),
# and the final one with it. The table is .rodata, after all code, so the second link moves no
# function; the recipe checks that (the final image gives the same table) and fails if not.
$(BUILD)/hotmem.pass1.elf: $(KOBJS) $(NEWLIB_LIBS) linker.ld
	$(LD) $(KLDFLAGS) -T linker.ld -o $@ $(KOBJS) $(NEWLIB_LIBS)

$(BUILD)/ksyms.c: $(BUILD)/hotmem.pass1.elf scripts/ksyms
	scripts/ksyms $< > $@.tmp && mv $@.tmp $@

$(BUILD)/ksyms.o: $(BUILD)/ksyms.c
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/hotmem.elf: $(KOBJS) $(BUILD)/ksyms.o $(NEWLIB_LIBS) linker.ld
	$(LD) $(KLDFLAGS) -T linker.ld -o $@ $(KOBJS) $(BUILD)/ksyms.o $(NEWLIB_LIBS)
	@scripts/ksyms $@ | cmp -s - $(BUILD)/ksyms.c || \
	  { echo "hotmem: the symbol table moved code in the second link (see scripts/ksyms)"; rm -f $@; exit 1; }

-include $(KOBJS:.o=.d)

# ---- host tests (ASan + UBSan) ----
define host_test_rule
$(BUILD)/host/$(1): tests/host/$(1).c $$(call host_srcs,tests/host/$(1).c) $(HOST_SUPPORT) $(HOST_HEADERS)
	@mkdir -p $$(dir $$@)
	$(HOST_CC) $(HOST_CFLAGS) $$(filter %.c,$$^) -o $$@ -lm
endef
$(foreach t,$(patsubst tests/host/%.c,%,$(HOST_TESTS)),$(eval $(call host_test_rule,$(t))))

host-tests: $(HOST_BINS)

# ---- fuzzing (clang + libFuzzer, ASan + UBSan; docs/TESTING.md "Fuzzing") ----
# tests/fuzz/fuzz_<name>.c is built into build/fuzz/fuzz_<name> with the sources named on its first
# `/* fuzz-srcs: ... */` line (the host tests' sources and fakes) and tests/host/support.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ         ?=
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
                -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt
FUZZ_CFLAGS  := -std=gnu11 -g -O1 $(WARN) $(INCLUDES) -Itests/host/support -Itests/host -DHOST_BUILD $(FUZZ_SAN)
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_NAMES))
FUZZ_RUN     := $(if $(FUZZ),$(FUZZ),$(FUZZ_NAMES))
# Sources a harness compiles by #include (tests/fuzz/virtio_mem_reset.c): prerequisites, not compiled.
FUZZ_INCLUDED := drivers/virtio/virtio_mem.c

define fuzz_rule
$(BUILD)/fuzz/$(1): tests/fuzz/$(1).c tests/fuzz/coverage-ignore.txt $$(call srcs_of,tests/fuzz/$(1).c,fuzz-srcs) $(HOST_SUPPORT) $(HOST_HEADERS)
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $$(filter-out $(FUZZ_INCLUDED),$$(filter %.c,$$^)) -o $$@ -lm
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(t))))
$(BUILD)/fuzz/fuzz_virtio_mem: $(FUZZ_INCLUDED)

fuzz-build: $(FUZZ_BINS)

fuzz: setup fuzz-build
	@rc=0; for n in $(FUZZ_RUN); do tests/fuzz/run.sh $$n $(FUZZ_SECONDS) || rc=1; done; exit $$rc

fuzz-replay: setup fuzz-build
	@rc=0; for n in $(FUZZ_RUN); do tests/fuzz/run.sh --replay $$n || rc=1; done; exit $$rc

# The files of one source set, for scripts: make -s print-srcs SET=mm-core
print-srcs:
	@echo $(or $(SRCSET_$(SET)),$(error no source set '$(SET)': mm-core, mm-hotplug, mmtest or mm-vheap))

setup:
	@scripts/setup

test: setup kernel iso efi host-tests fuzz-build
	@python3 tests/run_tests.py $(if $(V),-v) $(if $(G),-g $(G))

qemu-tests: setup kernel iso efi
	@python3 tests/run_tests.py --qemu-only $(if $(V),-v) $(if $(G),-g $(G))

# ---- running ----
QEMU_BASE := -machine q35 -accel $(ACCEL) -serial mon:stdio -display none -no-reboot \
             -device isa-debug-exit,iobase=0xf4,iosize=0x04 -qmp unix:$(BUILD)/qmp.sock,server=on,wait=off \
             $(if $(GDB),-s -S)

# The machine of run, run-iso and run-uefi: boot RAM plus a virtio-mem device vm0 with a 4 GiB region
# (VMEM=0 leaves the device out). QEMU's `-m MEM,maxmem=MAX` leaves MAX - MEM for memory devices, so
# MAX is derived: MEM + VMEM_REGION, in MiB (QEMU reads a bare number as MiB).
VMEM_REGION  ?= 4G
VMEM_REQUEST ?= 1G
VMEM_BLOCK   ?= 2M
size_mib      = $(shell awk 'BEGIN { s = "$(1)"; if (s !~ /^[0-9]+(\.[0-9]+)?[MGTmgt]?$$/) { print "bad"; exit } \
                  u = toupper(substr(s, length(s))); printf "%d", (s + 0) * (u == "G" ? 1024 : u == "T" ? 1048576 : 1) }')
checked_mib   = $(if $(filter bad,$(call size_mib,$(2))),$(error $(1)=$(2) is not a size like 512M, 2G or 1.5G),$(call size_mib,$(2)))
RUN_MAXMEM   ?= $(shell echo $$(( $(call checked_mib,MEM,$(MEM)) + $(call checked_mib,VMEM_REGION,$(VMEM_REGION)) )))M
VIRTIO_MEM    = -object memory-backend-ram,id=mem0,size=$(VMEM_REGION) \
                -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=$(VMEM_REQUEST),block-size=$(VMEM_BLOCK)
RUN_MACHINE   = $(if $(filter 0,$(VMEM)),-m $(MEM),-m $(MEM),maxmem=$(RUN_MAXMEM) $(VIRTIO_MEM))
# Runs QEMU with the machine above and more arguments ($(1)); QEMU's 33 (the kernel's poweroff) is success.
run_qemu      = $(QEMU) $(QEMU_BASE) $(RUN_MACHINE) $(1); \
                rc=$$?; if [ $$rc -eq 33 ]; then exit 0; else echo "hotmem: QEMU exited with status $$rc"; exit $$rc; fi

run: setup kernel
	@echo "hotmem: booting under QEMU ($(ACCEL)); 'poweroff' in the shell ends it, so does Ctrl-A x."
	@$(if $(filter 0,$(VMEM)),echo "hotmem: no virtio-mem device (VMEM=0)",\
	  echo "hotmem: resize the virtio-mem device from another terminal with QMP on $(BUILD)/qmp.sock:"; \
	  echo "hotmem:   scripts/resize 2G        (scripts/resize with no size prints the device's state)")
	@$(call run_qemu,-kernel $(BUILD)/hotmem.elf $(if $(CMDLINE),-append "$(CMDLINE)"))

gdb: kernel
	gdb -q $(BUILD)/hotmem.elf -ex 'target remote localhost:1234'

# The ISO's grub.cfg is boot/grub.cfg.in with CMDLINE in it. $(BUILD)/iso-cmdline.txt holds the CMDLINE
# of the last ISO and changes only with it, so `make iso` rebuilds the ISO when CMDLINE changed and
# only then. CMDLINE reaches the recipes through the environment, which needs no quoting.
export CMDLINE
.PHONY: FORCE
FORCE:
$(BUILD)/iso-cmdline.txt: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' "$$CMDLINE" > $@.tmp; if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/isodir/boot/grub/grub.cfg: boot/grub.cfg.in $(BUILD)/iso-cmdline.txt
	@case "$$CMDLINE" in *[!A-Za-z0-9_.,:=+/\ -]*) \
	  echo "hotmem: CMDLINE='$$CMDLINE': in the ISO's grub.cfg only letters, digits, spaces and _ . , : = + / - are taken (GRUB reads the others)"; exit 2;; esac
	@mkdir -p $(@D)
	sed "s| *@CMDLINE@|$${CMDLINE:+ $$CMDLINE}|" boot/grub.cfg.in > $@

iso: $(BUILD)/hotmem.iso
$(BUILD)/hotmem.iso: $(BUILD)/hotmem.elf $(BUILD)/isodir/boot/grub/grub.cfg
	cp $(BUILD)/hotmem.elf $(BUILD)/isodir/boot/hotmem.elf
	grub-mkrescue -o $@ $(BUILD)/isodir 2>$(BUILD)/grub-mkrescue.log || (cat $(BUILD)/grub-mkrescue.log; false)

run-iso: setup iso
	@$(call run_qemu,-cdrom $(BUILD)/hotmem.iso)

OVMF_CODE := /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS_4M.fd
run-uefi: setup iso
	@cp $(OVMF_VARS) $(BUILD)/ovmf_vars.fd
	@$(call run_qemu,-drive if=pflash$(,)format=raw$(,)readonly=on$(,)file=$(OVMF_CODE) \
	  -drive if=pflash$(,)format=raw$(,)file=$(BUILD)/ovmf_vars.fd -cdrom $(BUILD)/hotmem.iso)

# ---- hotmem.efi: the GNU-EFI loader (boot/efi/, docs/ARCHITECTURE.md "hotmem.efi") ----
# Built as GNU-EFI's own examples are: a position-independent ELF linked with its crt0 and linker
# script, then turned into a PE32+ UEFI application by objcopy.
EFI_LIB      := /usr/lib
EFI_INC      := /usr/include/efi
GNU_EFI_VERSION := $(shell dpkg-query -W -f='$${Version}' gnu-efi 2>/dev/null | sed 's/-[^-]*$$//')
EFI_CFLAGS   := -std=gnu11 -O2 $(WARN) -Wno-strict-prototypes -Iinclude -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
                -ffreestanding -fpic -fshort-wchar -fno-stack-protector -fno-strict-aliasing -mno-red-zone \
                -mgeneral-regs-only -maccumulate-outgoing-args -DEFI_FUNCTION_WRAPPER \
                -DGNU_EFI_VERSION='"$(or $(GNU_EFI_VERSION),unknown)"' -MMD -MP
EFI_SRCS     := $(sort $(wildcard boot/efi/*.c boot/efi/*.S))
EFI_OBJS     := $(patsubst %,$(BUILD)/efi/%.o,$(basename $(EFI_SRCS)))

$(BUILD)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/hotmem-efi.so: $(EFI_OBJS)
	$(LD) -nostdlib -znocombreloc -shared -Bsymbolic -T $(EFI_LIB)/elf_x86_64_efi.lds \
	  $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJS) -o $@ -L$(EFI_LIB) -lefi -lgnuefi

$(BUILD)/BOOTX64.EFI: $(BUILD)/efi/hotmem-efi.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j '.rel.*' -j '.rela.*' \
	  -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

-include $(EFI_OBJS:.o=.d)

# The ESP: the loader where firmware looks for a removable disk's boot program, the kernel in the
# root folder where the loader reads it.
efi: $(BUILD)/esp/EFI/BOOT/BOOTX64.EFI $(BUILD)/esp/hotmem.elf
$(BUILD)/esp/EFI/BOOT/BOOTX64.EFI: $(BUILD)/BOOTX64.EFI
	@mkdir -p $(@D)
	cp $< $@
$(BUILD)/esp/hotmem.elf: $(BUILD)/hotmem.elf
	@mkdir -p $(@D)
	cp $< $@

# The firmware starts EFI/BOOT/BOOTX64.EFI with no load options, so a CMDLINE goes through the UEFI
# shell: build/esp-cmdline/ holds the kernel, the loader as \hotmem.efi and a startup.nsh that runs it
# with the command line (the shell waits ~5 s before running startup.nsh: press a key to skip it).
run-efi: setup efi
	@cp $(OVMF_VARS) $(BUILD)/ovmf_vars.fd
	@if [ -n "$$CMDLINE" ]; then rm -rf $(BUILD)/esp-cmdline && mkdir -p $(BUILD)/esp-cmdline && \
	  cp $(BUILD)/hotmem.elf $(BUILD)/esp-cmdline/ && cp $(BUILD)/BOOTX64.EFI $(BUILD)/esp-cmdline/hotmem.efi && \
	  printf 'fs0:\\hotmem.efi %s\r\n' "$$CMDLINE" > $(BUILD)/esp-cmdline/startup.nsh; fi
	@$(call run_qemu,-drive if=pflash$(,)format=raw$(,)readonly=on$(,)file=$(OVMF_CODE) \
	  -drive if=pflash$(,)format=raw$(,)file=$(BUILD)/ovmf_vars.fd -net none \
	  -drive format=raw$(,)file=fat:rw:$(BUILD)/$(if $(CMDLINE),esp-cmdline,esp))

# ---- course labs (docs/labs/README.md): tests/labs/<name>.lab, generator and grader tests/labs/lab.py ----
LAB ?=
lab:
	@python3 tests/labs/lab.py branch $(LAB)

lab-list:
	@python3 tests/labs/lab.py list

grade:
	@python3 tests/labs/lab.py grade $(LAB)

bench:
	@scripts/bench

demo: setup kernel
	@scripts/demo

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	  --suppress=comparePointers --suppress=ctuuninitvar \
	  $(INCLUDES) -DHOTMEM_VERSION='"x"' arch kernel drivers apps
	@scripts/check-layers

format:
	clang-format -i $$(find arch boot kernel drivers include apps tests bench -name '*.[ch]')

# newlib's build (build/newlib-*) survives `make clean`: it depends only on the tarball and its flags.
clean:
	@if [ -d $(BUILD) ]; then find $(BUILD) -mindepth 1 -maxdepth 1 ! -name 'newlib-*' -exec rm -rf {} +; fi

distclean:
	rm -rf $(BUILD)
