#!/usr/bin/env bash
# CIS Ubuntu Linux benchmark, level 1 (server), the parts that apply to an image.
#
# It must not lock the build out: packer is connected over SSH as SINDRI_SSH_USERNAME right now and
# runs later provisioners (and the cleanup) over new sessions. So the SSH settings go into a drop-in
# that is checked with `sshd -t` but not loaded (no reload or restart): they take effect when an
# instance boots from the image. Root keeps key-only login when the build logs in as root, because
# Alibaba Cloud's public Ubuntu images give instances a key pair for root.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
user="${SINDRI_SSH_USERNAME:-root}"

# Images without kmod, procps or PAM limits (containers, minimal images) lack these directories; the
# settings still belong in the image.
install -d -m 0755 /etc/modprobe.d /etc/security/limits.d /etc/sysctl.d

# --- 1.x Filesystem and kernel modules --------------------------------------------------------------
cat >/etc/modprobe.d/sindri-cis.conf <<'CONF'
# CIS 1.1.1: unused filesystems
install cramfs /bin/false
install freevxfs /bin/false
install jffs2 /bin/false
install hfs /bin/false
install hfsplus /bin/false
install udf /bin/false
# CIS 3.4: uncommon network protocols
install dccp /bin/false
install sctp /bin/false
install rds /bin/false
install tipc /bin/false
CONF

# CIS 1.5: core dumps restricted, ASLR on
cat >/etc/security/limits.d/60-sindri-cis.conf <<'CONF'
* hard core 0
CONF

# --- 3.x Network parameters --------------------------------------------------------------------------
cat >/etc/sysctl.d/60-sindri-cis.conf <<'CONF'
fs.suid_dumpable = 0
kernel.randomize_va_space = 2
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.default.accept_source_route = 0
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv4.conf.all.secure_redirects = 0
net.ipv4.conf.default.secure_redirects = 0
net.ipv4.conf.all.log_martians = 1
net.ipv4.conf.default.log_martians = 1
net.ipv4.icmp_echo_ignore_broadcasts = 1
net.ipv4.icmp_ignore_bogus_error_responses = 1
net.ipv4.conf.all.rp_filter = 1
net.ipv4.conf.default.rp_filter = 1
net.ipv4.tcp_syncookies = 1
net.ipv6.conf.all.accept_ra = 0
net.ipv6.conf.default.accept_ra = 0
net.ipv6.conf.all.accept_redirects = 0
net.ipv6.conf.default.accept_redirects = 0
CONF
# Loading sysctl settings does not touch established SSH sessions. In a container /proc/sys is
# read-only: the file above still applies when an instance boots.
if command -v sysctl >/dev/null 2>&1; then sysctl --system >/dev/null 2>&1 || true; fi

# --- 4.x Logging and auditing ------------------------------------------------------------------------
apt-get install -y -q --no-install-recommends auditd audispd-plugins aide >/dev/null
# Without systemd (a container) there is no service to enable; on a VM a failure here fails the build.
if command -v systemctl >/dev/null 2>&1; then systemctl enable auditd >/dev/null; fi
chmod -R g-wx,o-rwx /var/log/* 2>/dev/null || true

# --- 5.x Access, authentication and authorisation ----------------------------------------------------
# Cron and at restricted to root.
for f in /etc/crontab /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly /etc/cron.d; do
  if [ -e "$f" ]; then chown root:root "$f" && chmod og-rwx "$f"; fi
done
rm -f /etc/cron.deny /etc/at.deny
echo root >/etc/cron.allow
echo root >/etc/at.allow
chmod 0640 /etc/cron.allow /etc/at.allow

# SSH server (5.2). A drop-in read by Ubuntu's "Include /etc/ssh/sshd_config.d/*.conf".
if [ "$user" = "root" ]; then
  root_login="prohibit-password"
else
  root_login="no"
fi
install -d -m 0755 /etc/ssh/sshd_config.d
cat >/etc/ssh/sshd_config.d/60-sindri-cis.conf <<CONF
# Written by sindri (CIS level 1). Takes effect at the next sshd start.
PermitRootLogin ${root_login}
PasswordAuthentication no
PermitEmptyPasswords no
HostbasedAuthentication no
IgnoreRhosts yes
X11Forwarding no
MaxAuthTries 4
MaxStartups 10:30:60
MaxSessions 10
LoginGraceTime 60
ClientAliveInterval 300
ClientAliveCountMax 3
LogLevel VERBOSE
Banner /etc/issue.net
CONF
chmod 0600 /etc/ssh/sshd_config.d/60-sindri-cis.conf
chmod 0600 /etc/ssh/sshd_config
echo "Authorized use only. All activity may be monitored and reported." >/etc/issue.net
# Check the syntax without applying it, and that the drop-in is what sshd will use (an earlier
# setting of the same keyword in sshd_config would win over it).
if command -v sshd >/dev/null 2>&1; then
  mkdir -p /run/sshd
  sshd -t
  effective="$(sshd -T -C user=root,host=localhost,addr=127.0.0.1)"
  # sshd -T calls prohibit-password by its older name, without-password.
  for setting in "permitrootlogin ${root_login/prohibit-password/(prohibit|without)-password}" \
    "passwordauthentication no" "x11forwarding no" "maxauthtries 4"; do
    if ! grep -qEx "$setting" <<<"$effective"; then
      echo "sindri: sshd does not apply \"$setting\" (an earlier setting in sshd_config wins)" >&2
      exit 1
    fi
  done
fi

# Password quality and lockout (5.4).
apt-get install -y -q --no-install-recommends libpam-pwquality >/dev/null
install -d -m 0755 /etc/security/pwquality.conf.d
cat >/etc/security/pwquality.conf.d/60-sindri-cis.conf <<'CONF'
minlen = 14
minclass = 4
CONF
sed -i 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS   365/; s/^PASS_MIN_DAYS.*/PASS_MIN_DAYS   1/' /etc/login.defs
# Default umask (5.5.4).
if ! grep -q '^UMASK[[:space:]]*027' /etc/login.defs; then
  if grep -q '^UMASK' /etc/login.defs; then
    sed -i 's/^UMASK.*/UMASK           027/' /etc/login.defs
  else
    echo 'UMASK           027' >>/etc/login.defs
  fi
fi

# --- 6.x System file permissions -------------------------------------------------------------------
chmod 0644 /etc/passwd /etc/group
chmod 0640 /etc/shadow /etc/gshadow
chown root:shadow /etc/shadow /etc/gshadow

# Verify: the settings are in place.
grep -q "^PermitRootLogin ${root_login}\$" /etc/ssh/sshd_config.d/60-sindri-cis.conf
test -f /etc/sysctl.d/60-sindri-cis.conf
grep -q '^UMASK[[:space:]]*027' /etc/login.defs
grep -q '^PASS_MAX_DAYS[[:space:]]*365' /etc/login.defs
test "$(stat -c %a /etc/shadow)" = 640
echo "sindri: CIS level 1 hardening applied (SSH settings take effect at next boot)"
