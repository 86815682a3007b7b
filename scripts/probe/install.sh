#!/usr/bin/env bash
# Install what `patlab probe` needs: qemu, busybox (both architectures), and Debian's own
# kernels with their kbuild headers, unpacked into a cache folder (no /boot, no initramfs-tools).
# Runnable by hand as root; .ci/run calls it. Re-running skips what is already there.
#   PATLAB_PROBE_CACHE  where kernels go (default ~/.cache/patlab-probe)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
CACHE=${PATLAB_PROBE_CACHE:-$HOME/.cache/patlab-probe}
mkdir -p "$CACHE/deb"
if ! dpkg --print-foreign-architectures | grep -qx i386; then dpkg --add-architecture i386; fi
apt-get update -q
# qemu and the 64-bit busybox; kbuild (the host's amd64 tools, which the i386 headers also use)
# and gcc come with the headers below.
apt-get install -y -q --no-install-recommends qemu-system-x86 busybox-static cpio gcc make libelf-dev bc

# The newest ABI of a Debian kernel flavour, from apt's metadata: NAME-REGEX -> package name.
newest() { apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -1; }

# kernel KEY ARCH IMAGE-PACKAGE: unpack the image to $CACHE/KEY, install the headers.
kernel() {
  local key=$1 arch=$2 image=$3 release headers
  release=${image#linux-image-}; release=${release%:*}
  headers="linux-headers-$release"
  if [ -f "$CACHE/$key/release" ] && [ "$(cat "$CACHE/$key/release")" = "$release" ]; then
    echo "probe: $key: $release already installed"; return; fi
  echo "probe: $key: $release"
  rm -rf "$CACHE/$key"; mkdir -p "$CACHE/$key"
  ( cd "$CACHE/deb" && apt-get download -q "$image${arch:+:$arch}" "$headers${arch:+:$arch}" )
  local common
  common=$(dpkg-deb -f "$CACHE/deb/${headers}_"*"_${arch:-amd64}.deb" Depends | tr ',' '\n' | grep -o 'linux-headers-[^ ]*-common[^ ]*' | head -1 || true)
  if [ -n "$common" ]; then ( cd "$CACHE/deb" && apt-get download -q "$common" ); fi
  local kbuild
  kbuild=$(dpkg-deb -f "$CACHE/deb/${headers}_"*"_${arch:-amd64}.deb" Depends | tr ',' '\n' | grep -o 'linux-kbuild-[^ ]*' | head -1 || true)
  if [ -n "$kbuild" ]; then apt-get install -y -q --no-install-recommends "$kbuild"; fi
  for d in "$CACHE/deb/${image}_"*.deb "$CACHE/deb/${headers}_"*.deb; do dpkg -x "$d" "$CACHE/$key/root"; done
  if [ -n "$common" ]; then dpkg -x "$CACHE/deb/${common}_"*.deb "$CACHE/$key/root"; fi
  # The headers name their common part by absolute path, and kbuild's tools relative to /usr:
  # point both where they are now (the common part inside the folder, kbuild in /usr/lib).
  local d
  for d in "$CACHE/$key/root/usr/src/"linux-headers-*; do
    sed -i "s|include /usr/src/|include $CACHE/$key/root/usr/src/|" "$d/Makefile"
    for l in "$d"/* "$d"/.[!.]*; do
      [ -L "$l" ] || continue
      t=$(readlink "$l")
      case "$t" in
        */lib/linux-kbuild-*) ln -sfn "/usr/lib/linux-kbuild-${t##*/lib/linux-kbuild-}" "$l" ;;
        /usr/src/*) ln -sfn "$CACHE/$key/root$t" "$l" ;;
      esac
    done
  done
  echo "$release" > "$CACHE/$key/release"
  rm -f "$CACHE/deb/"*.deb
}

kernel 6.1-amd64 "" "$(newest '^linux-image-6\.1\.0-[0-9]+-amd64$')"
kernel 6.12-amd64 "" "$(newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64$')"
# busybox-static:i386 would replace the amd64 one (same path): unpack it instead.
if [ ! -x "$CACHE/busybox-i386/bin/busybox" ]; then
  ( cd "$CACHE/deb" && apt-get download -q busybox-static:i386 && mkdir -p "$CACHE/busybox-i386" \
    && dpkg -x busybox-static_*_i386.deb "$CACHE/busybox-i386" && rm -f busybox-static_*_i386.deb )
fi
kernel 6.1-686-pae i386 "$(newest '^linux-image-6\.1\.0-[0-9]+-686-pae$')"
echo "probe: installed in $CACHE"
