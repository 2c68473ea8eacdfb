/* pci.h: PCI configuration-space access (mechanism #1) and bus enumeration. */
#ifndef NETSYNC_PCI_H
#define NETSYNC_PCI_H
#include "lib/klib.h"

/* PCI Local Bus Spec 3.0 §6.1, Table 6-1: type-0 configuration header offsets we use. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND   0x04
#define PCI_CLASS_REV 0x08 /* revision 7:0, prog-if 15:8, subclass 23:16, class 31:24 */
#define PCI_HEADER    0x0E /* bit 7: multi-function device */
#define PCI_BAR0      0x10
#define PCI_SUBSYS_ID 0x2E
#define PCI_IRQ_LINE  0x3C /* written by the BIOS: the PIC line INTx is routed to */
#define PCI_IRQ_PIN   0x3D

/* PCI Local Bus Spec 3.0 §6.2.2: command register bits. */
#define PCI_CMD_IO           0x0001u
#define PCI_CMD_MEMORY       0x0002u
#define PCI_CMD_MASTER       0x0004u
#define PCI_CMD_INTX_DISABLE 0x0400u

/* §6.2.5.1: bit 0 of a BAR set means an I/O space BAR; the address is bits 31:2. */
#define PCI_BAR_IO      0x1u
#define PCI_BAR_IO_MASK 0xFFFFFFFCu

#define PCI_MAX_DEVS 32

struct pci_dev {
    uint8_t bus, dev, fn;
    uint16_t vendor, device, subsys_id;
    uint8_t class_code, subclass, prog_if, irq_line, irq_pin;
    uint32_t bar[6];
};

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
uint16_t pci_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
uint8_t pci_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
void pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t v);
void pci_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint16_t v);

/* Scans every bus/device/function once, logs each device found on COM1 and remembers up to
   PCI_MAX_DEVS of them. Returns the number found. Later calls return the cached list. */
int pci_scan(void);
/* The i-th device of the scan (NULL past the end). */
const struct pci_dev *pci_get(int i);
/* Sets bits in the command register (e.g. I/O decoding and bus mastering for DMA). */
void pci_enable(const struct pci_dev *d, uint16_t bits);

#endif
