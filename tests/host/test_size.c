/* host-srcs: */
/* human_size() (include/lib/size.h): the sizes log and shell lines show people next to the bytes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "host_test.h"
#include "lib/size.h"

static bool shows(u64 bytes, const char *want)
{
	const char *got = human_size(bytes).s;

	if (strcmp(got, want)) {
		printf("INFO: size: human_size(%llu) = \"%s\", want \"%s\"\n", bytes, got, want);
		return false;
	}
	return true;
}

static void t_table(void)
{
	CHECK(shows(0, "0 B"));
	CHECK(shows(512, "512 B"));
	CHECK(shows(1023, "1023 B"));
	CHECK(shows(1024, "1 KiB"));
	CHECK(shows(4096, "4 KiB"));
	CHECK(shows(1536, "1.5 KiB"));
	CHECK(shows(2097152, "2 MiB"));
	CHECK(shows(314572800, "300 MiB"));
	CHECK(shows(1006632960, "960 MiB"));
	CHECK(shows(1073741824, "1 GiB"));
	CHECK(shows(1342177280, "1.25 GiB"));
	CHECK(shows(2147483648ULL, "2 GiB"));
	CHECK(shows(4294967296ULL, "4 GiB"));
	CHECK(shows(536341504, "511.5 MiB"));
	CHECK(shows((1ULL << 30) - 1, "1 GiB"));    /* 1023.999 MiB rounds into the next unit */
	CHECK(shows((1ULL << 20) + 5243, "1 MiB")); /* 1.005 MiB: below the half hundredth */
	CHECK(shows(17ULL << 40, "17 TiB"));
	CHECK(shows(1ULL << 60, "1 EiB"));
	CHECK(shows(UINT64_MAX, "16 EiB"));
}

/* Every size shows a number within half a hundredth (and 1/1024 of the unit) of the exact value, in the
 * largest unit that keeps it at 1 or more, and fits the struct. */
static void t_random(void)
{
	uint64_t seed = 42;
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

	for (int i = 0; i < 100000 && test_ok(); i++) {
		u64 r = test_splitmix64(&seed);
		u64 bytes = r >> (r % 64);
		char unit[8];
		double shown;
		REQUIRE(sscanf(human_size(bytes).s, "%lf %7s", &shown, unit) == 2);
		int u = 0;
		while (u < 6 && strcmp(units[u], unit))
			u++;
		REQUIRE(!strcmp(units[u], unit));
		double exact = (double)bytes / pow(1024, u);
		CHECK(fabs(shown - exact) <= 0.005 + 1.0 / 1024 + 1e-9);
		CHECK(shown >= 1 || bytes == 0);
		CHECK(shown < 1024 || (u == 6) || (u == 0 && bytes < 1024));
	}
}

int main(void)
{
	RUN("size", "human sizes of typical device and RAM sizes", t_table);
	RUN("size", "random sizes are shown to two decimals", t_random);
	return test_summary();
}
