# kernel/guestnet.mk: guest networking (PCI, virtio-net, netd, echo, rpcd) linked into NetSync-OS,
# with the shared stack sources (kernel/net/*.c, not port/ or mptcp/) and the protocol codec.
GN_SRCS := $(sort $(wildcard kernel/drivers/*.c kernel/services/*.c)) \
           $(sort $(wildcard kernel/net/*.c)) $(sort $(wildcard kernel/lib/proto/*.c))
# kernel.mk (which sets K_B) sorts after this file, so the object directory is spelled out.
GN_OBJS := $(patsubst %.c,$(B)/kernel/%.o,$(GN_SRCS))
K_EXTRA_OBJS += $(GN_OBJS)

.PHONY: guestnet
guestnet: $(B)/netsync.elf

-include $(GN_OBJS:.o=.d)
