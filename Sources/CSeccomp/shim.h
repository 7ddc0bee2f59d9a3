// The C surface of libseccomp that the spec worker uses, and `static inline`
// wrappers for calls Swift cannot make (variadic, or hidden behind _GNU_SOURCE).
#ifndef CSECCOMP_SHIM_H
#define CSECCOMP_SHIM_H

#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// `SCMP_A0(SCMP_CMP_MASKED_EQ, mask, value)`-style argument comparisons are
/// compound-literal macros; Swift builds `scmp_arg_cmp` values itself, so only the
/// variadic `seccomp_rule_add` needs a fixed-arity wrapper.
static inline int CSeccomp_rule_add0(scmp_filter_ctx ctx, uint32_t action, int syscall) {
    return seccomp_rule_add_array(ctx, action, syscall, 0, (const struct scmp_arg_cmp *)0);
}

static inline int CSeccomp_rule_add1(scmp_filter_ctx ctx, uint32_t action, int syscall, struct scmp_arg_cmp cmp) {
    return seccomp_rule_add_array(ctx, action, syscall, 1, &cmp);
}

/// `SCMP_ACT_ERRNO(e)` is a macro.
static inline uint32_t CSeccomp_act_errno(uint16_t error) {
    return SCMP_ACT_ERRNO(error);
}

/// `prctl` is variadic.
static inline int CSeccomp_prctl(int option, unsigned long arg) {
    return prctl(option, arg, 0UL, 0UL, 0UL);
}

/// `memfd_create` is hidden from Swift's Glibc module; `syscall` is variadic.
static inline int CSeccomp_memfd_create(const char *name, unsigned int flags) {
    return (int)syscall(SYS_memfd_create, name, flags);
}

/// `close_range(first, ~0U, 0)`: closes every inherited descriptor from `first` on.
static inline int CSeccomp_close_from(unsigned int first) {
    return (int)syscall(SYS_close_range, first, ~0U, 0U);
}

#endif
