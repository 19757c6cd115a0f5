/* 16550 UART on COM1 (0x3f8): 115200 8N1, polled output and input. */
#include "kernel/console.h"
#include <asm/io.h>

#define COM1	       0x3f8
#define UART_DATA      0
#define UART_IER       1
#define UART_LCR       3
#define UART_MCR       4
#define UART_LSR       5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

/* The FIFO control register is left as the loader left it: switching the FIFOs on or off clears what
 * the UART holds, and while the kernel boots that is a line typed ahead (`printf 'apps\n' | make run`;
 * QEMU and the small VMMs keep the rest of the input themselves, so the FIFO's size matters little). */
void console_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);  /* DLAB: divisor follows */
	outb(COM1 + UART_DATA, 0x01); /* 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 (OUT2 gates the IRQ line) */
}

static void serial_putc(char c)
{
	for (int spins = 0; spins < 100000; spins++)
		if (inb(COM1 + UART_LSR) & LSR_THR_EMPTY)
			break;
	outb(COM1 + UART_DATA, (u8)c);
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

int console_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}
