"""Schemathesis hooks for the booking API's conformance test (test/api/openapi-conformance.test.ts).

They do for generated requests what a booking service does for its own, and nothing else:
- sign Stripe webhook bodies, as Stripe does (the test knows the endpoint's secret);
- keep the rules a JSON Schema cannot state, which the document states in words:
  `endsAt` after `startsAt`, a `targetDate` 3 to 15 days ahead of today (UTC), a mandate
  accepted in the past, and a mandate with a bank `paymentMethod` (no account is saved here,
  and only a saved one may go without). Only values that are already schema-valid are moved, so a request
  generated to break the schema still breaks it.
"""

import hashlib
import hmac
import json
import os
import re
import time
from datetime import date, datetime, timedelta, timezone

import schemathesis

WEBHOOK_SECRET = os.environ["BOOKING_API_WEBHOOK_SECRET"]


def _instant(value):
    """The instant an RFC 3339 date-time with an offset names, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _is_calendar_day(value):
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _keep_mandate_in_the_past(mandate):
    if isinstance(mandate, dict) and _instant(mandate.get("acceptedAt")) is not None:
        if _instant(mandate["acceptedAt"]) > datetime.now(timezone.utc):
            mandate["acceptedAt"] = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()


def _keep_booking_rules(body):
    starts, ends = _instant(body.get("startsAt")), _instant(body.get("endsAt"))
    if starts is not None and ends is not None and ends <= starts:
        body["endsAt"] = (starts + timedelta(hours=2)).isoformat()
    payment = body.get("payment")
    if isinstance(payment, dict):
        if _is_calendar_day(payment.get("targetDate")):
            payment["targetDate"] = (datetime.now(timezone.utc) + timedelta(days=7)).date().isoformat()
        if isinstance(payment.get("paymentMethod"), str) and "mandate" not in payment:
            payment["mandate"] = {
                "ipAddress": "203.0.113.7",
                "userAgent": "booking-api-conformance",
                "acceptedAt": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(),
            }
        _keep_mandate_in_the_past(payment.get("mandate"))


def _stripe_signature(payload: bytes) -> str:
    timestamp = int(time.time())
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(WEBHOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@schemathesis.hook
def before_call(context, case, kwargs):
    operation = (case.method.upper(), case.path)
    if not isinstance(case.body, dict):
        return
    if operation == ("POST", "/v1/bookings"):
        _keep_booking_rules(case.body)
    elif operation == ("POST", "/v1/bookings/{bookingId}/payment-method"):
        _keep_mandate_in_the_past(case.body.get("mandate"))
    elif operation == ("POST", "/v1/webhooks/stripe") and case.headers and "Stripe-Signature" in case.headers:
        # The exact bytes schemathesis sends for a JSON body.
        case.headers["Stripe-Signature"] = _stripe_signature(json.dumps(case.body).encode("utf-8"))
