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
    "recording.start": _("Recording started"),
    "recording.stop": _("Recording stopped"),
    "recording.stop_channel": _("Every recording of a channel stopped"),
    "recording.update_layout": _("Layout applied to a running recording"),
    "recording.update_users": _("Recorded users changed"),
    "recording.playback": _("Playback room created"),
    "recording.rule_add": _("Recording rule added"),
    "recording.rule_update": _("Recording rule changed"),
    "recording.rule_delete": _("Recording rule deleted"),
    "recording.auto_start": _("Automatic recording started"),
    "recording.auto_stop": _("Automatic recording stopped"),
    "storage.create": _("Storage bucket added"),
    "storage.update": _("Storage bucket changed"),
    "storage.delete": _("Storage bucket deleted"),
    "price_book.create": _("Price book added"),
    "price_book.update": _("Price book changed"),
    "price_book.delete": _("Price book deleted"),
    "markup.update": _("Tenant markup changed"),
    "alerts.rule_create": _("Alert rule added"),
    "alerts.rule_update": _("Alert rule changed"),
    "alerts.rule_delete": _("Alert rule deleted"),
    "alerts.rule_mute": _("Alert rule muted"),
    "alerts.rule_unmute": _("Alert rule unmuted"),
    "alerts.destination_create": _("Alert destination added"),
    "alerts.destination_update": _("Alert destination changed"),
    "alerts.destination_delete": _("Alert destination deleted"),
    "alerts.destination_test": _("Test notice sent"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))
