"""Names of audited actions, with the words the audit page shows for them."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "account.create": _("Vendor account added"),
    "account.update": _("Vendor account changed"),
    "account.delete": _("Vendor account deleted"),
    "account.test": _("Connection tested"),
    "credentials.rotate_keys": _("Credential keys rotated"),
    "apps.refresh": _("App list refreshed"),
    "app.register": _("App registered by hand"),
    "app.unregister": _("Hand-registered app removed"),
    "app.rename": _("App renamed at the vendor"),
    "live.kick": _("Member removed from a channel"),
    "live.close_channel": _("Channel closed"),
    "live.create_channel": _("Channel opened at the vendor"),
    "mixing.start": _("Bypass push started"),
    "mixing.update_layout": _("Layout applied to a running push"),
    "mixing.stop": _("Bypass push stopped"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))
