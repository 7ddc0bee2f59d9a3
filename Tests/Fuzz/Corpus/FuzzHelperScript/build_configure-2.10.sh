#!/bin/sh
# Configure wrapper for qemu-kvm 2.10 (snapcheck fixture, shipped as a
# Source of the SRPM and called from %build as ./build_configure.sh).
# It takes its 25 settings as positional arguments, in this order.

_prefix=$1; shift
_libdir=$1; shift
_sysconfdir=$1; shift
_localstatedir=$1; shift
_libexecdir=$1; shift
qemudocdir=$1; shift
pkgname=$1; shift
kvm_target=$1; shift
name=$1; shift
version=$1; shift
release=$1; shift
optflags=$1; shift
have_fdt=$1; shift
have_gluster=$1; shift
have_guest_agent=$1; shift
have_numa=$1; shift
have_rbd=$1; shift
have_rdma=$1; shift
have_seccomp=$1; shift
have_spice=$1; shift
have_opengl=$1; shift
have_usbredir=$1; shift
have_live_block_ops=$1; shift
have_vxhs=$1; shift
block_drivers_list=$1; shift

./configure \
    --prefix="${_prefix}" \
    --libdir="${_libdir}" \
    --sysconfdir="${_sysconfdir}" \
    --interp-prefix="${_prefix}/qemu-%M" \
    --localstatedir="${_localstatedir}" \
    --docdir="${qemudocdir}" \
    --libexecdir="${_libexecdir}" \
    --extra-cflags="${optflags}" \
    --with-pkgversion="${name}-${version}-${release}" \
    --with-confsuffix="/${pkgname}" \
    --target-list="${kvm_target}-softmmu" \
    --block-drv-rw-whitelist="${block_drivers_list}" \
    --disable-strip \
    --disable-werror \
    --${have_fdt}-fdt \
    --${have_gluster}-glusterfs \
    --${have_guest_agent}-guest-agent \
    --${have_numa}-numa \
    --${have_rbd}-rbd \
    --${have_rdma}-rdma \
    --${have_seccomp}-seccomp \
    --${have_spice}-spice \
    --${have_opengl}-opengl \
    --${have_usbredir}-usb-redir \
    --${have_live_block_ops}-live-block-ops \
    --${have_vxhs}-vxhs \
    "$@"
