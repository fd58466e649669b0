#!/bin/sh
# fetch-kernels.sh downloads Debian's kernel images for the qemu oracle
# (package oracle/vm) and unpacks them into a cache outside the repository:
#
#   $VERISIM_KERNELS (default ${XDG_CACHE_HOME:-$HOME/.cache}/verisim/kernels)
#     <version>/vmlinuz    the kernel image
#     <version>/release    its release (uname -r), e.g. 6.1.0-44-amd64
#     <version>/config     its config
#     <version>/modules/   the modules the guest loads, uncompressed
#     <version>/package    the Debian package name and version it came from
#
# for version 5.10 (bullseye), 6.1 and 6.12 (bookworm), or the versions
# given as arguments. It is idempotent: a version whose directory is
# complete is left alone (delete it to fetch again).
#
# Packages are resolved and downloaded with apt-get through a private sources
# list, lists directory and cache under the cache directory; the machine's
# own apt configuration is never changed, and nothing is installed on the
# host except qemu-system-x86 itself (with apt-get install, only when it is
# missing and the script runs as root; otherwise it says so). The kernel
# packages are unpacked with dpkg-deb -x, never installed.
#
# Override a package with e.g. VERISIM_PKG_6_1=linux-image-6.1.0-44-amd64.
set -eu

cache=${VERISIM_KERNELS:-${XDG_CACHE_HOME:-$HOME/.cache}/verisim/kernels}
mirror=${VERISIM_DEBIAN_MIRROR:-http://deb.debian.org}
versions=${*:-5.10 6.1 6.12}

# The virtio modules the guest needs (oracle/vm loads them in this order;
# those built into a kernel are simply absent).
modules="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console"

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		echo "installing qemu-system-x86 (apt-get)" >&2
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2
	else
		echo "qemu-system-x86_64 is missing: run as root, or apt-get install qemu-system-x86" >&2
	fi
fi

for cmd in apt-get dpkg-deb; do
	command -v $cmd >/dev/null 2>&1 || { echo "$cmd is needed" >&2; exit 1; }
done

# suite_of VERSION prints the Debian suite and the meta package of VERSION.
suite_of() {
	case $1 in
	5.10) echo "bullseye linux-image-amd64" ;;
	6.1) echo "bookworm linux-image-amd64" ;;
	6.12) echo "bookworm linux-image-6.12-amd64" ;;
	*) echo "unknown version $1 (5.10, 6.1, 6.12)" >&2; exit 1 ;;
	esac
}

# apt_private SUITE ARGS... runs apt-get or apt-cache (ARGS[0]) over the
# suite's private sources.
apt_private() {
	suite=$1; tool=$2; shift 2
	dir=$cache/apt/$suite
	sandbox=
	[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root" # the cache is root's
	$tool -q $sandbox \
		-o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
		-o Dir::State::status=/dev/null -o APT::Get::List-Cleanup=0 "$@"
}

mkdir -p "$cache"
for v in $versions; do
	dst=$cache/$v
	if [ -s "$dst/vmlinuz" ] && [ -s "$dst/release" ] && [ -d "$dst/modules" ] && [ -s "$dst/package" ]; then
		echo "$v: $(cat "$dst/release") (cached in $dst)"
		continue
	fi
	set -- $(suite_of "$v")
	suite=$1; meta=$2
	dir=$cache/apt/$suite
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	printf '%s\n' \
		"deb $mirror/debian $suite main" \
		"deb $mirror/debian-security $suite-security main" >"$dir/sources.list"
	if [ ! -e "$dir/updated" ] || [ -n "$(find "$dir/updated" -mmin +1440)" ]; then
		apt_private "$suite" apt-get update >&2
		touch "$dir/updated"
	fi
	var=$(echo "$v" | tr . _)
	pkg=$(eval echo "\${VERISIM_PKG_$var:-}")
	if [ -z "$pkg" ]; then
		pkg=$(apt_private "$suite" apt-cache depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
	fi
	[ -n "$pkg" ] || { echo "$v: cannot resolve $meta in $suite" >&2; exit 1; }
	tmp=$(mktemp -d "$cache/.fetch-$v.XXXXXX")
	(cd "$tmp" && apt_private "$suite" apt-get download "$pkg" >&2)
	deb=$(ls "$tmp"/*.deb)
	dpkg-deb -x "$deb" "$tmp/root"
	release=${pkg#linux-image-}
	mkdir -p "$tmp/out/modules"
	cp "$tmp/root/boot/vmlinuz-$release" "$tmp/out/vmlinuz"
	cp "$tmp/root/boot/config-$release" "$tmp/out/config"
	echo "$release" >"$tmp/out/release"
	for m in $modules; do
		f=$(find "$tmp/root/lib/modules/$release" "$tmp/root/usr/lib/modules/$release" -name "$m.ko*" 2>/dev/null | head -n1)
		[ -n "$f" ] || continue # built in, or absent in this release
		case $f in
		*.ko.xz) xz -dc "$f" >"$tmp/out/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$tmp/out/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$tmp/out/modules/$m.ko" ;;
		*) cp "$f" "$tmp/out/modules/$m.ko" ;;
		esac
	done
	dpkg-deb -f "$deb" Package Version | tr '\n' ' ' | sed 's/ $/\n/' >"$tmp/out/package"
	rm -rf "$dst"
	mv "$tmp/out" "$dst"
	rm -rf "$tmp"
	echo "$v: $release ($(cat "$dst/package")) in $dst"
done
