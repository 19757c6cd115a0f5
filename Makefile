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
RUN_MAXMEM   ?= 8G
SHELL        := /bin/bash

CC           := gcc
LD           := ld
NASM         := nasm
HOST_CC      ?= gcc

GCC_INCLUDE  := $(shell $(CC) -print-file-name=include)
INCLUDES     := -Iinclude -Iarch/x86_64/include
WARN         := -Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes -Wshadow

KCFLAGS      := -std=c11 -O2 -g $(WARN) $(INCLUDES) -nostdinc -isystem $(GCC_INCLUDE) \
                -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone \
                -mgeneral-regs-only -mcmodel=kernel -fno-asynchronous-unwind-tables \
                -fno-omit-frame-pointer -fno-strict-aliasing -fno-common -malign-data=abi \
                -DHOTMEM_VERSION='"$(VERSION)"' -MMD -MP
KLDFLAGS     := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

HOST_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_CFLAGS  := -std=gnu11 -g -O1 $(WARN) $(INCLUDES) -Itests/host/support -DHOST_BUILD $(HOST_SAN)

KSRC_C       := $(sort $(shell find arch kernel drivers -name '*.c' 2>/dev/null))
KSRC_ASM     := $(sort $(shell find arch boot -name '*.asm' 2>/dev/null))
KOBJS        := $(patsubst %.c,$(BUILD)/k/%.o,$(KSRC_C)) $(patsubst %.asm,$(BUILD)/k/%.o,$(KSRC_ASM))

# The memory manager's sources for the host, listed once (the kernel build finds them by directory):
# host tests name a set as @<set> on their host-srcs line, scripts/bench asks `make -s print-srcs SET=<set>`.
# Each set needs the ones before it; the kernel/lib files are those the set calls.
SRCSET_mm-core    := $(addprefix kernel/mm/,page_alloc.c pageblock.c memmap_init.c zone.c page.c sparse.c \
                       memblock.c slab.c debug.c verify.c init.c) kernel/lib/parse.c
SRCSET_mm-hotplug := $(addprefix kernel/mm/,page_isolation.c migrate.c notifier.c memory_hotplug.c \
                       memory_add_remove.c memory_block.c contig.c) kernel/lib/errname.c
SRCSET_mmtest     := $(addprefix kernel/mmtest/,workload.c pin.c balloon.c) kernel/mm/offline_owner.c
# The sources of host test $(1): its first host-srcs line, each @set replaced by the set's files.
host_srcs = $(foreach w,$(shell sed -n 's|^/\* *host-srcs: *\(.*\) *\*/|\1|p' $(1) | head -n1),$\
              $(if $(filter @%,$(w)),$(or $(SRCSET_$(w:@%=%)),$(error $(1): no source set $(w))),$(w)))

HOST_TESTS   := $(sort $(wildcard tests/host/test_*.c))
HOST_BINS    := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(HOST_TESTS))
HOST_SUPPORT := $(sort $(wildcard tests/host/support/*.c))
# A host test links many sources in one gcc call, where -MMD keeps only the last file's list: depend on
# every header instead (a header change rebuilds the host tests, ~20 s).
HOST_HEADERS := $(shell find include arch/x86_64/include tests/host kernel drivers -name '*.h' 2>/dev/null)

.PHONY: all kernel iso run run-iso run-uefi gdb test host-tests qemu-tests bench demo lint format clean setup help \
        print-srcs

all: kernel
kernel: $(BUILD)/hotmem.elf

help:
	@echo "make              build build/hotmem.elf (PVH + multiboot2)"
	@echo "make run          boot it in QEMU (ACCEL=kvm, CMDLINE='...', MEM=2G, GDB=1 to wait for gdb)"
	@echo "make gdb          attach gdb to a 'make run GDB=1'"
	@echo "make iso          build/hotmem.iso (GRUB, BIOS and UEFI); make run-iso, make run-uefi"
	@echo "make test         every test; ends with 'N passed, N failed'"
	@echo "make host-tests   build the host unit tests only"
	@echo "make bench        benchmarks (not part of make test)"
	@echo "make demo         a scripted virtio-mem resize story, printed step by step"
	@echo "make lint         cppcheck and the include layers; make format: clang-format"

$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -Iarch/x86_64/include/ $< -o $@

$(BUILD)/hotmem.elf: $(KOBJS) linker.ld
	$(LD) $(KLDFLAGS) -T linker.ld -o $@ $(KOBJS)

-include $(KOBJS:.o=.d)

# ---- host tests (ASan + UBSan) ----
define host_test_rule
$(BUILD)/host/$(1): tests/host/$(1).c $$(call host_srcs,tests/host/$(1).c) $(HOST_SUPPORT) $(HOST_HEADERS)
	@mkdir -p $$(dir $$@)
	$(HOST_CC) $(HOST_CFLAGS) $$(filter %.c,$$^) -o $$@ -lm
endef
$(foreach t,$(patsubst tests/host/%.c,%,$(HOST_TESTS)),$(eval $(call host_test_rule,$(t))))

host-tests: $(HOST_BINS)

# The files of one source set, for scripts: make -s print-srcs SET=mm-core
print-srcs:
	@echo $(or $(SRCSET_$(SET)),$(error no source set '$(SET)': mm-core, mm-hotplug or mmtest))

setup:
	@scripts/setup

test: setup kernel iso host-tests
	@python3 tests/run_tests.py $(if $(V),-v) $(if $(G),-g $(G))

qemu-tests: setup kernel iso
	@python3 tests/run_tests.py --qemu-only $(if $(V),-v) $(if $(G),-g $(G))

# ---- running ----
QEMU_BASE := -machine q35 -accel $(ACCEL) -serial mon:stdio -display none -no-reboot \
             -device isa-debug-exit,iobase=0xf4,iosize=0x04 -qmp unix:$(BUILD)/qmp.sock,server=on,wait=off \
             $(if $(GDB),-s -S)

# The demo machine: boot RAM plus a virtio-mem device vm0 with a 4 GiB region.
VMEM_REGION  ?= 4G
VMEM_REQUEST ?= 1G
VMEM_BLOCK   ?= 2M
VIRTIO_MEM   := -object memory-backend-ram,id=mem0,size=$(VMEM_REGION) \
                -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=$(VMEM_REQUEST),block-size=$(VMEM_BLOCK)

run: setup kernel
	@echo "hotmem: booting under QEMU ($(ACCEL)); 'poweroff' in the shell ends it."
	@echo "hotmem: resize the virtio-mem device from another terminal with QMP on $(BUILD)/qmp.sock:"
	@echo "hotmem:   scripts/resize 2G        (scripts/resize with no size prints the device's state)"
	@$(QEMU) $(QEMU_BASE) -m $(MEM),maxmem=$(RUN_MAXMEM) $(VIRTIO_MEM) -kernel $(BUILD)/hotmem.elf $(if $(CMDLINE),-append "$(CMDLINE)"); \
	  rc=$$?; if [ $$rc -eq 33 ]; then exit 0; else echo "hotmem: QEMU exited with status $$rc"; exit $$rc; fi

gdb: kernel
	gdb -q $(BUILD)/hotmem.elf -ex 'target remote localhost:1234'

iso: $(BUILD)/hotmem.iso
$(BUILD)/hotmem.iso: $(BUILD)/hotmem.elf boot/grub.cfg
	@rm -rf $(BUILD)/isodir && mkdir -p $(BUILD)/isodir/boot/grub
	cp $(BUILD)/hotmem.elf $(BUILD)/isodir/boot/hotmem.elf
	cp boot/grub.cfg $(BUILD)/isodir/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/isodir 2>$(BUILD)/grub-mkrescue.log || (cat $(BUILD)/grub-mkrescue.log; false)

run-iso: setup iso
	@$(QEMU) $(QEMU_BASE) -m $(MEM) -cdrom $(BUILD)/hotmem.iso; rc=$$?; [ $$rc -eq 33 ] || { echo "hotmem: QEMU exited with status $$rc"; exit $$rc; }

OVMF_CODE := /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS_4M.fd
run-uefi: setup iso
	@cp $(OVMF_VARS) $(BUILD)/ovmf_vars.fd
	@$(QEMU) $(QEMU_BASE) -m $(MEM) -drive if=pflash,format=raw,readonly=on,file=$(OVMF_CODE) \
	  -drive if=pflash,format=raw,file=$(BUILD)/ovmf_vars.fd -cdrom $(BUILD)/hotmem.iso; \
	  rc=$$?; [ $$rc -eq 33 ] || { echo "hotmem: QEMU exited with status $$rc"; exit $$rc; }

bench:
	@scripts/bench

demo: setup kernel
	@scripts/demo

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	  --suppress=comparePointers --suppress=ctuuninitvar \
	  $(INCLUDES) -DHOTMEM_VERSION='"x"' arch kernel drivers
	@scripts/check-layers

format:
	clang-format -i $$(find arch kernel drivers include tests bench -name '*.[ch]')

clean:
	rm -rf $(BUILD)
