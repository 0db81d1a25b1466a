#!/usr/bin/env bash
# `make package-check`: the .deb and .rpm that `make deb rpm` just built, checked for real.
#
#  1. The .deb: lintian (errors fail, warnings are printed; docs/packaging.md justifies each),
#     Depends, desktop-file-validate on both desktop entries, appstreamcli validate --no-net
#     on the metainfo, PNG sizes, man pages through man's own warnings, versions agreeing
#     (Cargo.toml, the Debian changelog, the metainfo), the polkit policy's exec.path, and
#     the binaries byte for byte those of target/release/ (built once, tested as shipped),
#     and what each links: WebKitGTK only in hogwatch-window, no GUI library in hogwatch;
#     promtool check rules and test rules on the shipped Prometheus rules, the Grafana
#     dashboard parsed as JSON; the system service's unit and sysusers file as in
#     packaging/systemd/, and maintainer scripts that make its user but neither enable nor
#     start it.
#  2. The .rpm: `rpm -qlp` lists the same files as the .deb (up to the documented
#     distribution differences), the same binaries, root-owned, with the same modes.
#  3. Installed with `apt-get install ./hogwatch_*.deb` (root): `hogwatch --version`,
#     `hogwatch doctor` (exit 0 or 1, names the installed helper), the helper at its libexec
#     path (exit 2 on bad arguments), root-owned 0755 and not setuid, the installed policy's
#     exec.path, man page and bash completion found; the service's user made, its unit not
#     enabled, and `systemd-analyze verify` clean and `security` at most 2.5 on the unit as
#     installed; then `apt-get remove` and purge leave every path of the package as it was
#     before (nothing left but user data).
#
# Leaves the machine as it found it, on failure too: the package and any dependency the
# install pulled in are purged on exit, and the user `hogwatch` its postinst made is deleted
# (purging keeps it, as Debian does). Refuses to run when hogwatch is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly HELPER=/usr/libexec/hogwatch/hogwatch-helper
readonly TRAY=/usr/libexec/hogwatch/hogwatch-tray
readonly WINDOW=/usr/libexec/hogwatch/hogwatch-window
# Every shipped binary: its installed path and its build.
readonly BINARIES=(
  /usr/bin/hogwatch:target/release/hogwatch
  "$HELPER":target/release/hogwatch-helper
  "$TRAY":target/release/hogwatch-tray
  "$WINDOW":target/release/hogwatch-window
)
readonly POLICY=/usr/share/polkit-1/actions/org.hogwatch.helper.policy
readonly UNIT=/usr/lib/systemd/system/hogwatch.service
readonly SYSUSERS=/usr/lib/sysusers.d/hogwatch.conf

fail() {
  echo "package-check: FAIL: $*" >&2
  exit 1
}
step() {
  printf '\n== %s (%ss)\n' "$*" "$SECONDS"
}

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || fail "no version in Cargo.toml"
shopt -s nullglob
debs=(target/debian/hogwatch_"$version"-*_*.deb)
rpms=(target/generate-rpm/hogwatch-"$version"-*.rpm)
shopt -u nullglob
((${#debs[@]} == 1)) || fail "expected one target/debian/hogwatch_$version-*.deb, found ${#debs[@]} (run make deb)"
((${#rpms[@]} == 1)) || fail "expected one target/generate-rpm/hogwatch-$version-*.rpm, found ${#rpms[@]} (run make rpm)"
deb=${debs[0]}
rpm=${rpms[0]}

work=$(mktemp -d)
installed_by_us=0
user_made_by_us=0
# The system service's user, made by the postinst (systemd-sysusers) and kept by purge.
delete_service_user() {
  if getent passwd hogwatch >/dev/null; then "${sudo_cmd[@]}" userdel hogwatch; fi
  if getent group hogwatch >/dev/null; then "${sudo_cmd[@]}" groupdel hogwatch; fi
}
cleanup() {
  local status=$?
  if ((installed_by_us)) && dpkg-query -W -f='${Status}' hogwatch 2>/dev/null | grep -qv 'not-installed'; then
    echo "package-check: purging hogwatch (cleanup)" >&2
    "${sudo_cmd[@]}" dpkg --purge hogwatch >/dev/null || status=1
  fi
  if ((user_made_by_us)); then
    echo "package-check: deleting the user hogwatch the install made (cleanup)" >&2
    delete_service_user || status=1
  fi
  if [ -s "$work/pulled-in" ]; then
    echo "package-check: purging what the install pulled in: $(tr '\n' ' ' <"$work/pulled-in")" >&2
    # shellcheck disable=SC2046 # one package name per line
    "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 purge -y -q $(cat "$work/pulled-in") >/dev/null || status=1
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------
step "1. $deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'

depends=$(dpkg-deb --field "$deb" Depends)
for need in nethogs libayatana-appindicator3-1 'pkexec | policykit-1'; do
  # Exact alternatives, as dpkg writes them: ", " between, " | " within.
  [[ ", $depends, " == *", $need, "* || ", $depends, " == *", $need (>="* ]] ||
    fail "Depends lacks '$need': $depends"
done
# WebKitGTK: the dashboard window links it ($auto then lists it), nothing else does; the
# `hogwatch` command links no GUI library at all.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
needed target/release/hogwatch-window | grep -q '^libwebkit2gtk-4\.1' ||
  fail "hogwatch-window does not link WebKitGTK"
[[ $depends == *libwebkit2gtk-4.1-0* ]] || fail "hogwatch-window links WebKitGTK but Depends lacks libwebkit2gtk-4.1-0: $depends"
! needed target/release/hogwatch-tray | grep -Eq '^lib(webkit|javascriptcore)' ||
  fail "hogwatch-tray links WebKit: $(needed target/release/hogwatch-tray | tr '\n' ' ')"
! needed target/release/hogwatch | grep -Eq '^lib(gtk|gdk|webkit|javascriptcore|ayatana|appindicator)' ||
  fail "hogwatch links a GUI library: $(needed target/release/hogwatch | tr '\n' ' ')"
echo "NEEDED: WebKitGTK in hogwatch-window only; no GUI library in hogwatch"

echo "-- lintian (errors fail; warnings and info shown)"
lintian_out=$work/lintian.txt
set +e
lintian --display-info --fail-on error "$deb" >"$lintian_out" 2>&1
lintian_status=$?
set -e
cat "$lintian_out"
((lintian_status == 0)) || fail "lintian reports errors (exit $lintian_status)"
echo "lintian: $(grep -c '^E:' "$lintian_out" || true) errors, $(grep -c '^W:' "$lintian_out" || true) warnings, $(grep -c '^I:' "$lintian_out" || true) info"

root=$work/deb
dpkg-deb -x "$deb" "$root"

echo "-- desktop-file-validate, appstreamcli validate --no-net (the files as shipped)"
desktop-file-validate "$root/usr/share/applications/io.github.hogwatch.desktop"
desktop-file-validate "$root/usr/share/hogwatch/hogwatch-autostart.desktop"
grep -qx 'X-GNOME-Autostart-enabled=true' "$root/usr/share/hogwatch/hogwatch-autostart.desktop" ||
  fail "the autostart entry lacks X-GNOME-Autostart-enabled=true"
[ ! -e "$root/etc/xdg/autostart" ] || fail "the package must not start hogwatch at login by itself"
appstreamcli validate --no-net --pedantic "$root/usr/share/metainfo/io.github.hogwatch.metainfo.xml"

echo "-- the Prometheus rules (promtool check and test rules) and the Grafana dashboard (JSON)"
promtool check rules "$root/usr/share/hogwatch/prometheus/hogwatch.rules.yml"
(cd "$root/usr/share/hogwatch/prometheus" && promtool test rules hogwatch.rules.test.yml)
python3 -m json.tool "$root/usr/share/hogwatch/grafana/hogwatch-fleet.json" >/dev/null ||
  fail "the Grafana dashboard is not JSON"

echo "-- versions"
changelog_version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
metainfo_version=$(sed -n 's/.*<release version="\([^"]*\)".*/\1/p' packaging/io.github.hogwatch.metainfo.xml | head -n 1)
[ "${changelog_version%-*}" = "$version" ] || fail "packaging/debian/changelog is at $changelog_version, Cargo.toml at $version"
[ "$metainfo_version" = "$version" ] || fail "the metainfo's newest release is $metainfo_version, Cargo.toml is at $version"
[ "$(dpkg-deb --field "$deb" Version)" = "$changelog_version" ] || fail "the .deb's version is not the changelog's"
echo "Cargo.toml $version, changelog $changelog_version, metainfo $metainfo_version"

echo "-- binaries: byte for byte target/release/"
for pair in "${BINARIES[@]}"; do
  pair=${pair#/}
  packaged=$root/${pair%%:*}
  built=${pair#*:}
  cmp -s "$packaged" "$built" || fail "/${pair%%:*} in the .deb is not $built"
  echo "/${pair%%:*} = $built ($(sha256sum <"$built" | cut -c1-16)…)"
done

echo "-- polkit policy"
exec_paths() { # POLICY_FILE: every action's org.freedesktop.policykit.exec.path
  python3 -c '
import sys, xml.etree.ElementTree as ET
for a in ET.parse(sys.argv[1]).getroot().iter("action"):
    for n in a.iter("annotate"):
        if n.get("key") == "org.freedesktop.policykit.exec.path":
            print(n.text.strip())' "$1"
}
[ "$(exec_paths "$root$POLICY")" = "$HELPER" ] || fail "the packaged policy's exec.path is not $HELPER"
[ -f "$root$HELPER" ] || fail "the policy's exec.path $HELPER is not in the package"
cmp -s "$root$POLICY" packaging/org.hogwatch.helper.policy || fail "the packaged policy differs from packaging/"
echo "exec.path $HELPER"

echo "-- the system service: unit and sysusers file as in packaging/systemd/, installed off"
cmp -s "$root$UNIT" packaging/systemd/hogwatch.service || fail "$UNIT in the .deb is not packaging/systemd/hogwatch.service"
cmp -s "$root$SYSUSERS" packaging/systemd/hogwatch.sysusers || fail "$SYSUSERS in the .deb is not packaging/systemd/hogwatch.sysusers"
[ ! -e "$root/etc/systemd" ] || fail "the .deb ships files in /etc/systemd (the service must not be enabled by the package)"
dpkg-deb -e "$deb" "$work/control"
grep -q '^ *systemd-sysusers .*hogwatch\.conf' "$work/control/postinst" || fail "the postinst does not run systemd-sysusers hogwatch.conf"
# debhelper's "don't enable" snippet (it enables only what an administrator had enabled),
# and no start.
grep -q 'deb-systemd-helper debian-installed hogwatch.service' "$work/control/postinst" &&
  ! grep -Eq 'was-enabled defaults to true|_dh_action=start|deb-systemd-invoke start' "$work/control/postinst" ||
  fail "the postinst may enable or start hogwatch.service: $(cat "$work/control/postinst")"
grep -q 'deb-systemd-invoke stop hogwatch.service' "$work/control/prerm" || fail "the prerm does not stop hogwatch.service"
echo "$UNIT, $SYSUSERS = packaging/systemd/; postinst: systemd-sysusers, not enabled, not started"

echo "-- owners and modes in the .deb"
dpkg-deb -c "$deb" | awk '$2 != "root/root" && $2 != "0/0" { bad = 1; print "not root/root: " $0 } END { exit bad }' ||
  fail "files not owned by root in the .deb"
helper_line=$(dpkg-deb -c "$deb" | awk -v p=".$HELPER" '$6 == p')
[[ $helper_line =~ ^-rwxr-xr-x\ (root/root|0/0)\  ]] || fail "helper in the .deb is not -rwxr-xr-x root/root: $helper_line"
if dpkg-deb -c "$deb" | awk '$1 ~ /^-/ && $1 ~ /[sS]/' | grep .; then fail "setuid/setgid files in the .deb"; fi
echo "$helper_line"

echo "-- icons: every hicolor PNG has its directory's size"
for png in "$root"/usr/share/icons/hicolor/*/apps/hogwatch.png; do
  dir=$(basename "$(dirname "$(dirname "$png")")")
  size=$(file -b "$png" | sed -n 's/^PNG image data, \([0-9]*\) x \([0-9]*\),.*/\1x\2/p')
  [ "$size" = "$dir" ] || fail "$png is $size"
done
find "$root/usr/share/icons/hicolor" -mindepth 1 -maxdepth 1 -printf '%f ' | tr ' ' '\n' | sort -V | tr '\n' ' '
echo

echo "-- man pages (man --warnings)"
for page in "$root"/usr/share/man/man1/*.1.gz; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null || true)
  [ -z "$warnings" ] || fail "$page: $warnings"
done
find "$root/usr/share/man" -type f -printf '%f ' && echo

# ---------------------------------------------------------------------------------------
step "2. $rpm"
rpm -qpi "$rpm" | sed -n '1,/^Description/p'
echo "-- Requires"
rpm -qp --requires "$rpm" | tr '\n' ' '
echo

# Regular files and symlinks: dpkg-deb -c against rpm -qlp. The two documented differences
# (Cargo.toml, [package.metadata.generate-rpm]): zsh's directory, and the distributions'
# own places for the license/copyright and the Debian changelog.
dpkg-deb -c "$deb" | awk '$1 ~ /^[-l]/ { sub(/^\./, "", $6); print $6 }' |
  grep -v '^/usr/share/doc/hogwatch/' | sort >"$work/deb-files"
rpm -qlp "$rpm" | grep -v '^/usr/share/licenses/hogwatch/' |
  sed 's|^/usr/share/zsh/site-functions/|/usr/share/zsh/vendor-completions/|' | sort >"$work/rpm-files"
if ! diff -u "$work/deb-files" "$work/rpm-files"; then
  fail "rpm -qlp and the .deb list different files (- .deb, + .rpm)"
fi
echo "rpm -qlp: the same $(wc -l <"$work/deb-files") files as the .deb"
# --dump: path size mtime digest mode owner group isconfig isdoc rdev symlink
rpm -qp --dump "$rpm" | awk '$6 != "root" || $7 != "root" { bad = 1; print "not root:root: " $0 } END { exit bad }' ||
  fail "files not owned by root in the .rpm"
for pair in "${BINARIES[@]}"; do
  read -r digest mode < <(rpm -qp --dump "$rpm" | awk -v p="${pair%%:*}" '$1 == p { print $4, $5 }')
  [ "$digest" = "$(sha256sum <"${pair#*:}" | cut -d' ' -f1)" ] || fail "${pair%%:*} in the .rpm is not ${pair#*:}"
  [ "$mode" = 0100755 ] || fail "${pair%%:*} in the .rpm has mode $mode, not 0100755"
done
echo "binaries = target/release/, root:root, 0755"
rpm -qp --scripts "$rpm" | grep -q 'systemd-sysusers hogwatch\.conf' || fail "the .rpm's scripts do not run systemd-sysusers hogwatch.conf"
echo "post-install: systemd-sysusers hogwatch.conf"

# ---------------------------------------------------------------------------------------
step "3. apt-get install ./$deb"
if dpkg-query -W -f='${Status}' hogwatch 2>/dev/null | grep -qv 'not-installed'; then
  fail "hogwatch is already installed here ($(dpkg-query -W -f='${Version} ${Status}' hogwatch)); remove it first, this check installs and removes its own"
fi
mapfile -t paths < <(dpkg-deb -c "$deb" | awk '{ sub(/^\./, "", $6); sub(/\/$/, "", $6); if ($6 != "") print $6 }')
for p in "${paths[@]}"; do
  if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
done | sort >"$work/existed-before"
dpkg-query -W -f='${Package}\n' | sort >"$work/packages-before"

getent passwd hogwatch >/dev/null || getent group hogwatch >/dev/null || user_made_by_us=1
installed_by_us=1
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "./$deb"
dpkg-query -W -f='${Package}\n' | sort | comm -13 "$work/packages-before" - | grep -vx hogwatch >"$work/pulled-in" || true

echo "-- hogwatch --version"
got=$(hogwatch --version)
echo "$got"
[ "$got" = "hogwatch $version" ] || fail "hogwatch --version printed '$got'"
[ "$(command -v hogwatch)" = /usr/bin/hogwatch ] || fail "hogwatch on PATH is $(command -v hogwatch), not /usr/bin/hogwatch"

echo "-- hogwatch doctor (a throwaway home: it must not touch this user's files)"
home=$work/home
mkdir -p "$home"
set +e
HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share XDG_RUNTIME_DIR='' \
  /usr/bin/hogwatch doctor >"$work/doctor.txt" 2>&1
doctor_status=$?
set -e
cat "$work/doctor.txt"
((doctor_status == 0 || doctor_status == 1)) || fail "hogwatch doctor exited $doctor_status (0 or 1 expected)"
grep -q "helper at $HELPER\$" "$work/doctor.txt" || fail "hogwatch doctor does not find the helper at $HELPER"
echo "doctor: exit $doctor_status, helper found at $HELPER"

echo "-- the helper at its libexec path"
set +e
"$HELPER" --interval 0 lo >"$work/helper.out" 2>&1
helper_status=$?
set -e
((helper_status == 2)) || fail "$HELPER with invalid arguments exited $helper_status, not 2: $(cat "$work/helper.out")"
echo "invalid arguments: exit 2 ($(head -n 1 "$work/helper.out"))"
helper_version=$("$HELPER" --version)
[[ $helper_version == *"$version"* ]] || fail "$HELPER --version printed '$helper_version'"
echo "--version: $helper_version"
read -r owner mode < <(stat -c '%U:%G %a' "$HELPER")
[ "$owner" = root:root ] || fail "$HELPER is owned by $owner"
[ "$mode" = 755 ] || fail "$HELPER has mode $mode (0755 expected, never setuid)"
[ "$(stat -c '%a' /usr/libexec/hogwatch)" = 755 ] || fail "/usr/libexec/hogwatch is not 0755"
cmp -s "$HELPER" target/release/hogwatch-helper || fail "the installed helper is not target/release/hogwatch-helper"
echo "$(stat -c '%A %U:%G' "$HELPER") $HELPER = target/release/hogwatch-helper"

echo "-- the tray and the window at their libexec paths"
for bin in "$TRAY" "$WINDOW"; do
  read -r owner mode < <(stat -c '%U:%G %a' "$bin")
  [ "$owner" = root:root ] && [ "$mode" = 755 ] || fail "$bin is $owner $mode (root:root 755 expected)"
  cmp -s "$bin" "target/release/${bin##*/}" || fail "the installed $bin is not target/release/${bin##*/}"
done
echo "$TRAY, $WINDOW: root:root 0755, = target/release/"

echo "-- the installed polkit policy"
[ "$(exec_paths "$POLICY")" = "$HELPER" ] || fail "$POLICY: exec.path is not $HELPER"
echo "$POLICY: exec.path $HELPER"

echo "-- man page, completion, desktop files"
[ "$(man -w hogwatch)" = /usr/share/man/man1/hogwatch.1.gz ] || fail "man -w hogwatch: $(man -w hogwatch 2>&1)"
bash -c 'source /usr/share/bash-completion/completions/hogwatch && complete -p hogwatch' >/dev/null ||
  fail "the bash completion does not register for hogwatch"
for f in /usr/share/applications/io.github.hogwatch.desktop /usr/share/hogwatch/hogwatch-autostart.desktop \
  /usr/share/metainfo/io.github.hogwatch.metainfo.xml /usr/share/icons/hicolor/scalable/apps/hogwatch.svg \
  /usr/share/hogwatch/prometheus/scrape.yml /usr/share/hogwatch/prometheus/hogwatch.rules.yml \
  /usr/share/hogwatch/grafana/hogwatch-fleet.json; do
  [ -f "$f" ] || fail "$f is not installed"
done
echo "man -w hogwatch, bash completion, desktop entry, autostart entry, metainfo, icons, Prometheus and Grafana files: ok"

echo "-- the system service as installed: its user, not enabled, verify and security"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd hogwatch) || fail "the install made no user hogwatch"
[ "$home" = /var/lib/hogwatch ] && [ "$shell" = /usr/sbin/nologin ] && ((uid < 1000)) ||
  fail "user hogwatch: uid $uid, home $home, shell $shell (a system user, /var/lib/hogwatch, /usr/sbin/nologin expected)"
getent group hogwatch >/dev/null || fail "the install made no group hogwatch"
if compgen -G "/etc/systemd/system/*.wants/hogwatch.service" >/dev/null; then
  fail "the install enabled hogwatch.service: $(echo /etc/systemd/system/*.wants/hogwatch.service)"
fi
# The installed unit, man page and binary: nothing stands in (tests/core/system_unit.rs
# checks the same file in a scratch root, without the man page).
verify_out=$(systemd-analyze verify "$UNIT" 2>&1) || fail "systemd-analyze verify $UNIT: $verify_out"
[ -z "$verify_out" ] || fail "systemd-analyze verify $UNIT: $verify_out"
security_out=$(systemd-analyze security --offline=true --no-pager --threshold=25 "$UNIT" 2>&1) ||
  fail "systemd-analyze security: exposure above 2.5: $(tail -n 1 <<<"$security_out")"
echo "user hogwatch (uid $uid, $home, $shell); not enabled; verify clean; $(tail -n 1 <<<"$security_out" | sed 's/^[^O]*//')"

# ---------------------------------------------------------------------------------------
step "4. apt-get remove, purge"
dpkg -L hogwatch | grep -vx "/." | sort >"$work/listed"
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 remove -y -q hogwatch
left=()
while read -r p; do
  [ -e "$p" ] || [ -L "$p" ] || continue
  grep -qxF "$p" "$work/existed-before" || left+=("$p")
done <"$work/listed"
((${#left[@]} == 0)) || fail "apt-get remove left: ${left[*]}"
# The package is in no apt source: after `remove` only dpkg still knows it (if at all).
"${sudo_cmd[@]}" dpkg --purge hogwatch
installed_by_us=0
if dpkg-query -W -f='${Status}' hogwatch 2>/dev/null | grep -qv 'not-installed'; then
  fail "hogwatch is still known to dpkg after purge: $(dpkg-query -W -f='${Status}' hogwatch)"
fi
for p in "${paths[@]}"; do
  [ -e "$p" ] || [ -L "$p" ] || continue
  grep -qxF "$p" "$work/existed-before" || fail "after purge, $p is still there"
done
[ ! -e /etc/systemd/system/hogwatch.service ] && [ ! -L /etc/systemd/system/hogwatch.service ] ||
  fail "after purge, /etc/systemd/system/hogwatch.service (the removal's mask) is still there"
if ((user_made_by_us)); then
  delete_service_user
  user_made_by_us=0
  echo "deleted the user and group hogwatch that the install made (purge keeps them)"
fi
echo "removed: every one of the package's $(wc -l <"$work/listed") paths is as it was before the install"

step "package-check: ok"
