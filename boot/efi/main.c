/* hotmem.efi: boots build/hotmem.elf straight from UEFI firmware, without GRUB.
 *
 * The kernel is the file \hotmem.elf on the volume the loader itself was loaded from (the ESP): the
 * kernel and the loader are built and replaced independently, and a missing or damaged kernel is
 * something the loader can name. The loader reads and checks the ELF (convert.c), places its segments
 * at their physical addresses, collects the command line (the load options), the ACPI RSDP (the system
 * configuration table) and the memory map, leaves boot services and enters the kernel's 32-bit entry
 * the way a multiboot2 loader does: the kernel parses what it gets with the code of the GRUB path, so
 * every boot path yields the same struct boot_info.
 *
 * Every failure before ExitBootServices prints "hotmem.efi: error: <reason>" on the UEFI console,
 * frees what the loader took and returns to the firmware, which goes on with its next boot option. */
#include <efi.h>
#include <efilib.h>

#include "efi_boot.h"

#define KERNEL_PATH  L"\\hotmem.elf"
#define CMDLINE_MAX  1024 /* BOOT_CMDLINE_MAX of the kernel, NUL included */
#define LOADER_NAME  "GNU-EFI " GNU_EFI_VERSION
#define BELOW_4G     0xffffffffULL
#define PAGES(bytes) (((bytes) + 4095) / 4096)
#define MAP_SLACK    16 /* descriptors of room for the allocations made after sizing the map */
#define EXIT_TRIES   4
#define COM1	     0x3f8

extern const u8 efi_tramp_start[], efi_tramp_end[];

/* Everything the loader took from the firmware, freed on failure. */
struct taken {
	void *file;
	EFI_PHYSICAL_ADDRESS seg_base[EFI_ELF_MAX_SEGS];
	UINTN seg_pages[EFI_ELF_MAX_SEGS];
	UINT32 nr_seg;
	EFI_PHYSICAL_ADDRESS low; /* trampoline, GDT and multiboot2 information */
	UINTN low_pages;
	void *map;
	struct efi_e820 *e820;
};

static struct taken taken;

static void release(void)
{
	for (UINT32 i = 0; i < taken.nr_seg; i++)
		uefi_call_wrapper(BS->FreePages, 2, taken.seg_base[i], taken.seg_pages[i]);
	if (taken.low)
		uefi_call_wrapper(BS->FreePages, 2, taken.low, taken.low_pages);
	if (taken.file)
		FreePool(taken.file);
	if (taken.map)
		FreePool(taken.map);
	if (taken.e820)
		FreePool(taken.e820);
}

/* Prints the reason, frees everything and gives the status back to the firmware. */
static EFI_STATUS refuse(EFI_STATUS st, const char *what, const char *why)
{
	if (!what)
		; /* the caller printed the error line */
	else if (why)
		Print(L"hotmem.efi: error: %a: %a\n", what, why);
	else
		Print(L"hotmem.efi: error: %a: %r\n", what, st);
	Print(L"hotmem.efi: returning to the firmware\n");
	release();
	return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
}

/* The kernel file, read whole into pool memory. */
static EFI_STATUS read_kernel(EFI_LOADED_IMAGE *li, void **data, UINT64 *len)
{
	EFI_FILE_HANDLE root, f;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINTN n;

	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return refuse(EFI_NOT_FOUND, "the boot volume has no file system the firmware can read",
			      NULL);
	st = uefi_call_wrapper(root->Open, 5, root, &f, KERNEL_PATH, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		uefi_call_wrapper(root->Close, 1, root);
		Print(L"hotmem.efi: error: cannot open the kernel %s on the boot volume: %r "
		      L"(hotmem.elf belongs in the root folder of the EFI system partition)\n",
		      KERNEL_PATH, st);
		return refuse(st, NULL, NULL);
	}
	info = LibFileInfo(f);
	if (!info) {
		uefi_call_wrapper(f->Close, 1, f);
		uefi_call_wrapper(root->Close, 1, root);
		return refuse(EFI_DEVICE_ERROR, "cannot read the size of \\hotmem.elf", NULL);
	}
	n = info->FileSize;
	FreePool(info);
	taken.file = AllocatePool(n ? n : 1);
	if (!taken.file) {
		uefi_call_wrapper(f->Close, 1, f);
		uefi_call_wrapper(root->Close, 1, root);
		return refuse(EFI_OUT_OF_RESOURCES, "no memory to read \\hotmem.elf", NULL);
	}
	st = uefi_call_wrapper(f->Read, 3, f, &n, taken.file);
	uefi_call_wrapper(f->Close, 1, f);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		return refuse(st, "reading \\hotmem.elf", NULL);
	*data = taken.file;
	*len = n;
	return EFI_SUCCESS;
}

/* Claims the memory of every segment at its physical address (segments sharing a page claim it
 * once), then copies the file's bytes and zeroes the rest. */
static EFI_STATUS place_segments(const struct efi_elf *elf, const u8 *file)
{
	for (UINT32 i = 0; i < elf->nr_segs; i++) {
		UINT64 base = elf->segs[i].paddr & ~4095ULL;
		UINT64 end = (elf->segs[i].paddr + elf->segs[i].memsz + 4095) & ~4095ULL;
		EFI_PHYSICAL_ADDRESS at;
		EFI_STATUS st;

		if (taken.nr_seg) {
			UINT64 prev_end =
			    taken.seg_base[taken.nr_seg - 1] + taken.seg_pages[taken.nr_seg - 1] * 4096;
			if (base < prev_end)
				base = prev_end;
		}
		if (base >= end)
			continue;
		at = base;
		st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress, EfiLoaderData,
				       (end - base) / 4096, &at);
		if (EFI_ERROR(st)) {
			Print(L"hotmem.efi: error: a kernel segment (0x%lx-0x%lx) does not fit in memory: "
			      L"that range is not free RAM (%r)\n",
			      elf->segs[i].paddr, elf->segs[i].paddr + elf->segs[i].memsz - 1, st);
			return refuse(st, NULL, NULL);
		}
		taken.seg_base[taken.nr_seg] = base;
		taken.seg_pages[taken.nr_seg] = (end - base) / 4096;
		taken.nr_seg++;
	}
	for (UINT32 i = 0; i < elf->nr_segs; i++) {
		const struct efi_elf_seg *s = &elf->segs[i];

		CopyMem((void *)(UINTN)s->paddr, (void *)(file + s->offset), s->filesz);
		ZeroMem((void *)(UINTN)(s->paddr + s->filesz), s->memsz - s->filesz);
	}
	return EFI_SUCCESS;
}

/* The command line: the shell's arguments after the program's name when the UEFI shell started us,
 * else the load options of the boot entry when they are text. */
static EFI_STATUS get_cmdline(EFI_HANDLE image, EFI_LOADED_IMAGE *li, char *dst)
{
	static CHAR16 joined[CMDLINE_MAX + 1];
	EFI_SHELL_PARAMETERS_PROTOCOL *sp = NULL;
	const u16 *opts = li->LoadOptions;
	UINT64 size = li->LoadOptionsSize;
	char why[160];
	int r;

	if (!EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &ShellParametersProtocolGuid,
					 (void **)&sp)) &&
	    sp) {
		UINTN n = 0;

		for (UINTN a = 1; a < sp->Argc; a++) {
			for (const CHAR16 *c = sp->Argv[a]; *c && n < CMDLINE_MAX; c++)
				joined[n++] = *c;
			if (a + 1 < sp->Argc && n < CMDLINE_MAX)
				joined[n++] = L' ';
		}
		joined[n] = 0;
		opts = joined;
		size = (n + 1) * sizeof(CHAR16);
	}
	r = efi_cmdline_from_ucs2(opts, size, dst, CMDLINE_MAX, why, sizeof(why));
	if (r < 0)
		return refuse(EFI_INVALID_PARAMETER, "bad command line", why);
	if (r == 0 && size)
		Print(L"hotmem.efi: the load options (%ld bytes) are not text: no command line\n", size);
	return EFI_SUCCESS;
}

static const void *find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	void *t = NULL;

	if (!EFI_ERROR(LibGetSystemConfigurationTable(&acpi20, &t)) && t)
		return t;
	if (!EFI_ERROR(LibGetSystemConfigurationTable(&acpi10, &t)) && t)
		return t;
	return NULL;
}

/* Once boot services are gone nothing can be printed through the firmware: a map that stopped
 * converting between the last check and the exit (it cannot in practice) is told on COM1. */
static void __attribute__((noreturn)) die_after_exit(const char *why)
{
	const char *s[] = {"hotmem.efi: error after ExitBootServices: ", why, "; halting\r\n"};

	for (int i = 0; i < 3; i++)
		for (const char *c = s[i]; *c; c++) {
			u8 lsr = 0;

			/* Bounded: a missing UART must not hang us before the halt. */
			for (int spin = 0; spin < 100000 && !(lsr & 0x20); spin++)
				__asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((u16)(COM1 + 5)));
			__asm__ volatile("outb %0, %1" : : "a"(*c), "Nd"((u16)COM1));
		}
	for (;;)
		__asm__ volatile("cli; hlt");
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static char cmdline[CMDLINE_MAX];
	EFI_LOADED_IMAGE *li;
	struct efi_elf elf;
	char why[160];
	void *file = NULL;
	UINT64 file_len = 0;
	EFI_STATUS st;
	const void *rsdp;
	UINTN map_size = 0, map_cap, key, desc_size;
	UINT32 desc_ver;
	UINT32 max_e820;
	UINT64 mb2_cap;
	int n;

	InitializeLib(image, systab);
	Print(L"hotmem.efi: GNU-EFI %a loader\n", GNU_EFI_VERSION);

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return refuse(st, "no loaded image protocol on our own handle", NULL);
	st = get_cmdline(image, li, cmdline);
	if (EFI_ERROR(st))
		return st;
	st = read_kernel(li, &file, &file_len);
	if (EFI_ERROR(st))
		return st;
	if (efi_elf_check(file, file_len, &elf, why, sizeof(why)))
		return refuse(EFI_LOAD_ERROR, "\\hotmem.elf is not a kernel hotmem.efi can boot", why);
	st = place_segments(&elf, file);
	if (EFI_ERROR(st))
		return st;
	FreePool(taken.file);
	taken.file = NULL;
	rsdp = find_rsdp();
	if (!rsdp)
		Print(L"hotmem.efi: the firmware lists no ACPI RSDP\n");

	/* Size the map, then take every buffer the exit needs: nothing may be allocated after the last
	 * GetMemoryMap. */
	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &key, &desc_size, &desc_ver);
	if (st != EFI_BUFFER_TOO_SMALL || !desc_size)
		return refuse(EFI_ERROR(st) ? st : EFI_DEVICE_ERROR, "GetMemoryMap (sizing)", NULL);
	map_cap = map_size + MAP_SLACK * desc_size;
	max_e820 = (UINT32)(map_cap / desc_size);
	taken.map = AllocatePool(map_cap);
	taken.e820 = AllocatePool(max_e820 * sizeof(struct efi_e820));
	mb2_cap = efi_mb2_size(max_e820, CMDLINE_MAX);
	taken.low_pages = PAGES(4096 + mb2_cap);
	taken.low = BELOW_4G;
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, taken.low_pages,
			       &taken.low);
	if (EFI_ERROR(st))
		taken.low = 0;
	if (!taken.map || !taken.e820 || !taken.low)
		return refuse(EFI_OUT_OF_RESOURCES, "no memory for the memory map and boot information",
			      NULL);

	u8 *low = (u8 *)(UINTN)taken.low;
	u8 *mb2 = low + 4096;
	u64 *gdt = (u64 *)(low + 2048);
	struct __attribute__((packed)) {
		u16 limit;
		u64 base;
	} *gdtr = (void *)(low + 2048 + 64);

	CopyMem(low, (void *)efi_tramp_start, efi_tramp_end - efi_tramp_start);
	gdt[0] = 0;
	gdt[1] = 0x00cf9a000000ffffULL; /* 0x08: 32-bit code, base 0, limit 4 GiB */
	gdt[2] = 0x00cf92000000ffffULL; /* 0x10: 32-bit data */
	gdtr->limit = 3 * 8 - 1;
	gdtr->base = (UINTN)gdt;

	Print(L"hotmem.efi: kernel entry 0x%lx, %d segments; command line: %a\n", elf.entry, elf.nr_segs,
	      cmdline);
	for (int tries = 0;; tries++) {
		map_size = map_cap;
		st =
		    uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, taken.map, &key, &desc_size, &desc_ver);
		if (EFI_ERROR(st)) {
			if (tries == 0)
				return refuse(st, "GetMemoryMap", NULL);
			die_after_exit("GetMemoryMap failed after a first ExitBootServices");
		}
		if (tries == 0) {
			/* Checked while the console still works; the map after a retry differs little. */
			n = efi_memmap_to_e820(taken.map, map_size, desc_size, taken.e820, max_e820, why,
					       sizeof(why));
			if (n < 0)
				return refuse(EFI_LOAD_ERROR, "the firmware's memory map", why);
			Print(
			    L"hotmem.efi: %d memory map descriptors, %d entries for the kernel; leaving boot "
			    L"services\n",
			    map_size / desc_size, n);
		}
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st))
			break;
		/* EFI_INVALID_PARAMETER: the map changed since GetMemoryMap; fetch it again (UEFI 2.10,
		 * 7.4 ExitBootServices). Only memory services may be called from here on. */
		if (st != EFI_INVALID_PARAMETER || tries + 1 == EXIT_TRIES) {
			if (tries == 0)
				return refuse(st, "ExitBootServices", NULL);
			die_after_exit("ExitBootServices kept failing");
		}
	}

	n = efi_memmap_to_e820(taken.map, map_size, desc_size, taken.e820, max_e820, why, sizeof(why));
	if (n < 0)
		die_after_exit(why);
	if (!efi_mb2_build(mb2, mb2_cap, cmdline, LOADER_NAME, taken.e820, (u32)n, rsdp))
		die_after_exit("the boot information does not fit its buffer");
	((void (*)(u64, u64, u64))(UINTN)low)(elf.entry, (UINTN)mb2, (UINTN)gdtr);
	die_after_exit("the trampoline returned");
}
