/* pci.c: PCI configuration mechanism #1 (ports 0xCF8/0xCFC) and a logged brute-force bus scan. */
#include "drivers/pci.h"
#include "arch/io.h"
#include "core/log.h"

/* PCI Local Bus Spec 3.0 §3.2.2.3.2: CONFIG_ADDRESS / CONFIG_DATA ports, enable bit 31. */
#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA    0xCFC
#define PCI_CONFIG_ENABLE  0x80000000u
/* A read of vendor 0xFFFF means no device answered (§6.2.1). */
#define PCI_NO_VENDOR 0xFFFFu

static struct pci_dev devs[PCI_MAX_DEVS];
static int n_devs = -1;

static uint32_t cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    return PCI_CONFIG_ENABLE | (uint32_t)bus << 16 | (uint32_t)(dev & 31u) << 11 |
           (uint32_t)(fn & 7u) << 8 | (off & 0xFCu);
}

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    uint32_t f = irq_save(); /* address and data writes must not interleave with another user */
    outl(PCI_CONFIG_ADDRESS, cfg_addr(bus, dev, fn, off));
    uint32_t v = inl(PCI_CONFIG_DATA);
    irq_restore(f);
    return v;
}

uint16_t pci_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    return (uint16_t)(pci_read32(bus, dev, fn, off) >> ((off & 2u) * 8));
}

uint8_t pci_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
    return (uint8_t)(pci_read32(bus, dev, fn, off) >> ((off & 3u) * 8));
}

void pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint32_t v)
{
    uint32_t f = irq_save();
    outl(PCI_CONFIG_ADDRESS, cfg_addr(bus, dev, fn, off));
    outl(PCI_CONFIG_DATA, v);
    irq_restore(f);
}

void pci_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint16_t v)
{
    uint32_t old = pci_read32(bus, dev, fn, off);
    uint32_t sh = (off & 2u) * 8;
    pci_write32(bus, dev, fn, off, (old & ~(0xFFFFu << sh)) | (uint32_t)v << sh);
}

static void record(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor)
{
    uint32_t cr = pci_read32(bus, dev, fn, PCI_CLASS_REV);
    struct pci_dev d = {
        .bus = bus,
        .dev = dev,
        .fn = fn,
        .vendor = vendor,
        .device = pci_read16(bus, dev, fn, PCI_DEVICE_ID),
        .subsys_id = pci_read16(bus, dev, fn, PCI_SUBSYS_ID),
        .class_code = (uint8_t)(cr >> 24),
        .subclass = (uint8_t)(cr >> 16),
        .prog_if = (uint8_t)(cr >> 8),
        .irq_line = pci_read8(bus, dev, fn, PCI_IRQ_LINE),
        .irq_pin = pci_read8(bus, dev, fn, PCI_IRQ_PIN),
    };
    /* Only type-0 headers have six BARs (§6.1); bridges (header type 1) have two. */
    int nbar = (pci_read8(bus, dev, fn, PCI_HEADER) & 0x7F) == 0 ? 6 : 2;
    for (int i = 0; i < nbar; i++)
        d.bar[i] = pci_read32(bus, dev, fn, (uint8_t)(PCI_BAR0 + 4 * i));
    LOGI("pci: %02x:%02x.%x %04x:%04x class %02x.%02x.%02x subsys %04x irq %u pin %u bar0 %08x",
         bus, dev, fn, d.vendor, d.device, d.class_code, d.subclass, d.prog_if, d.subsys_id,
         d.irq_line, d.irq_pin, d.bar[0]);
    if (n_devs < PCI_MAX_DEVS)
        devs[n_devs++] = d;
    else
        LOGW("pci: more than %d devices, %02x:%02x.%x not kept", PCI_MAX_DEVS, bus, dev, fn);
}

int pci_scan(void)
{
    if (n_devs >= 0)
        return n_devs;
    n_devs = 0;
    for (int bus = 0; bus < 256; bus++) {
        for (int dev = 0; dev < 32; dev++) {
            uint16_t v = pci_read16((uint8_t)bus, (uint8_t)dev, 0, PCI_VENDOR_ID);
            if (v == PCI_NO_VENDOR)
                continue;
            record((uint8_t)bus, (uint8_t)dev, 0, v);
            /* Functions 1-7 exist only on multi-function devices (§6.2.1, header bit 7). */
            if (!(pci_read8((uint8_t)bus, (uint8_t)dev, 0, PCI_HEADER) & 0x80))
                continue;
            for (int fn = 1; fn < 8; fn++) {
                v = pci_read16((uint8_t)bus, (uint8_t)dev, (uint8_t)fn, PCI_VENDOR_ID);
                if (v != PCI_NO_VENDOR)
                    record((uint8_t)bus, (uint8_t)dev, (uint8_t)fn, v);
            }
        }
    }
    LOGI("pci: %d device(s)", n_devs);
    return n_devs;
}

const struct pci_dev *pci_get(int i)
{
    if (i < 0 || i >= n_devs)
        return NULL;
    return &devs[i];
}

void pci_enable(const struct pci_dev *d, uint16_t bits)
{
    uint16_t cmd = pci_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
    pci_write16(d->bus, d->dev, d->fn, PCI_COMMAND, (uint16_t)(cmd | bits));
}
