/**
 * keepalived's track script (`check.sh` in the run's folder): GET the local app's /health over
 * bash's /dev/tcp (a few ms to start, even on a loaded machine); exit 0 only on HTTP 200.
 * keepalived's own `timeout` ends a hung connect. It stays a bash script: keepalived runs it every
 * interval, and node would take far longer to start than the check itself. Each run appends its start
 * (`$EPOCHREALTIME`) to `runsFile`: the session reads keepalived's schedule from it.
 * argv: port timeoutSeconds runsFile
 */
export const CHECK_SCRIPT = `#!/bin/bash
# faildrill track script: GET /health of the app on this host; 0 only on HTTP 200.
LC_ALL=C
printf '%s\\n' "$EPOCHREALTIME" >> "$3"
exec 2>/dev/null
exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3
IFS= read -r -t "$2" line <&3 || exit 1
case "$line" in *" 200 "*) exit 0 ;; esac
exit 1
`;

/**
 * The fencing script (`arbiter.sh` in the run's folder), a keepalived vrrp_script with weight 0:
 * asks the arbiter (the controller's lease service, through the relay on the controller's address)
 * whether this node may hold the VIP — GET /may-hold?node=<id> over bash's /dev/tcp; exit 0 only on
 * HTTP 200. A refusal, an unreachable arbiter or no answer within the timeout is a failed run;
 * keepalived puts the instance in FAULT after `fall` of them, dropping the address.
 * argv: arbiterAddress port node timeoutSeconds
 */
export const ARBITER_SCRIPT = `#!/bin/bash
# faildrill fencing script: may this node hold the VIP? 0 only when the arbiter answers HTTP 200.
exec 2>/dev/null
exec 3<>"/dev/tcp/$1/$2" || exit 1
printf 'GET /may-hold?node=%s HTTP/1.0\\r\\nHost: arbiter\\r\\n\\r\\n' "$3" >&3
IFS= read -r -t "$4" line <&3 || exit 1
case "$line" in *" 200 "*) exit 0 ;; esac
exit 1
`;
