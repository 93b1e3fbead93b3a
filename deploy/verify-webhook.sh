#!/usr/bin/env bash
# Verifies a Hubix webhook from the outside, as Meta will use it: over HTTPS with a certificate the client trusts.
#   HUBIX_VERIFY_TOKEN=... HUBIX_APP_SECRET=... deploy/verify-webhook.sh https://hubix.example.com/webhook
# 1. the GET handshake echoes hub.challenge for Hubix:WhatsApp:VerifyToken;
# 2. a POST signed with Hubix:WhatsApp:AppSecret (X-Hub-Signature-256) is stored: 200;
# 3. the same POST with a wrong signature is refused: 401.
# The signed POST is an empty status batch: Hubix stores the body and finds nothing to do in it.
# CURL_OPTS adds curl options (a test passes --cacert and --resolve). Prints OK/FAIL per step; exits 1 on any FAIL.
set -uo pipefail
url=${1:?usage: verify-webhook.sh https://host/webhook}
: "${HUBIX_VERIFY_TOKEN:?set HUBIX_VERIFY_TOKEN to Hubix:WhatsApp:VerifyToken}"
: "${HUBIX_APP_SECRET:?set HUBIX_APP_SECRET to Hubix:WhatsApp:AppSecret}"
read -r -a extra <<< "${CURL_OPTS:-}"
fail=0
ok() { echo "OK   $1"; }
bad() { echo "FAIL $1"; fail=1; }

case "$url" in https://*) ;; *) bad "the URL must be https:// (Meta calls only HTTPS webhooks)"; exit 1 ;; esac

challenge=$(( (RANDOM << 15) | RANDOM ))
answer=$(curl -sS --max-time 20 "${extra[@]}" -G "$url" \
  --data-urlencode "hub.mode=subscribe" --data-urlencode "hub.verify_token=$HUBIX_VERIFY_TOKEN" --data-urlencode "hub.challenge=$challenge" 2>&1)
if [ "$answer" = "$challenge" ]; then ok "handshake: $url echoes hub.challenge"; else bad "handshake: expected $challenge, got: ${answer:0:200}"; fi

now=$(date +%s)
body='{"object":"whatsapp_business_account","entry":[{"id":"0","time":'$now',"changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"0","phone_number_id":"0"},"statuses":[]}}]}]}'
signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$HUBIX_APP_SECRET" | sed 's/^.* //')
code=$(curl -sS --max-time 20 "${extra[@]}" -o /dev/null -w '%{http_code}' -X POST "$url" \
  -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=$signature" --data-binary "$body" 2>&1)
if [ "$code" = "200" ]; then ok "signed webhook: stored (HTTP 200)"; else bad "signed webhook: HTTP $code (expected 200; check Hubix:WhatsApp:AppSecret and the proxy)"; fi

code=$(curl -sS --max-time 20 "${extra[@]}" -o /dev/null -w '%{http_code}' -X POST "$url" \
  -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=$(printf '0%.0s' {1..64})" --data-binary "$body" 2>&1)
if [ "$code" = "401" ]; then ok "unsigned webhook: refused (HTTP 401)"; else bad "unsigned webhook: HTTP $code (expected 401)"; fi
exit $fail
