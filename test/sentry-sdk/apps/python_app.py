# sentry-python (Debian's python3-sentry-sdk) reporting to the service: the issue 16 scenario.
import os
import sentry_sdk

sentry_sdk.init(dsn=os.environ["SENTRY_DSN"], release="shop@3.1.0", environment="staging", traces_sample_rate=1.0)
sentry_sdk.set_user({"id": "u-42", "email": "jane@example.com"})
sentry_sdk.set_tag("feature", "checkout")
sentry_sdk.add_breadcrumb(category="cart", message="added item 7", level="info", data={"password": "hunter2", "item": 7})


def parse_order(data):
    return int(data["qty"])  # line 12: the handled exception, raised twice from here


def notify(text):
    sentry_sdk.capture_message(text, level="warning")


for _ in range(2):
    try:
        parse_order({"qty": "many"})
    except ValueError as err:
        sentry_sdk.capture_exception(err)

notify("payment failed")
notify("inventory low")

with sentry_sdk.start_transaction(op="task", name="nightly-report"):
    pass

sentry_sdk.flush()
raise KeyError("uncaught order")  # line 33: the excepthook integration reports it
