"""Routes of the settings pages: profile, security (two-factor, audit log), API tokens."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user, login_required, logout_user

from financeapp.auth import audit, tokens, twofactor
from financeapp.auth import services as auth_services
from financeapp.auth import sessions as auth_sessions
from financeapp.auth.context import request_meta
from financeapp.core.db import utcnow
from financeapp.core.forms import form_status
from financeapp.core.security import check_password
from financeapp.core.views import run_action, save_form
from financeapp.extensions import db
from financeapp.mail import MailError, external_url, send_mail
from financeapp.notifications import delivery
from financeapp.notifications import services as notification_services
from financeapp.notifications.forms import PreferencesForm, WebhookForm
from financeapp.notifications.models import CHANNELS, PREFERENCE_KINDS
from financeapp.settings import bp, privacy, services
from financeapp.settings.forms import (
    ConfirmTwoFactorForm,
    DeleteAccountForm,
    DisableTwoFactorForm,
    EmailChangeForm,
    PasswordConfirmForm,
    ProfileForm,
    TokenForm,
)


@dataclass(frozen=True)
class Pager:
    """What the `pager` macro needs: a page of rows and links to its neighbours."""

    page: Any
    endpoint: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)

    def url_for(self, number: int) -> str:
        return url_for(self.endpoint, page=number)


@bp.context_processor
def _sections():
    return {"config_endpoints": current_app.view_functions}


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(template: str, status: int = 200, **context):
    return _no_store(current_app.make_response((render_template(template, **context), status)))


# Profile -------------------------------------------------------------------------------------------

def _render_profile(form: ProfileForm | None = None, email_form: EmailChangeForm | None = None, status: int = 200):
    if form is None:
        form = ProfileForm(obj=current_user)
    return render_template("settings/index.html", form=form, email_form=email_form or EmailChangeForm()), status


@bp.get("/")
@login_required
def index():
    return _render_profile()


@bp.post("/")
@login_required
def update_profile():
    form = ProfileForm()
    if save_form(form, lambda: services.update_profile(current_user, form.to_input())):
        flash("Settings saved.", "success")
        return redirect(url_for("settings.index"))
    return _render_profile(form, status=form_status(form))


@bp.post("/email")
@login_required
def change_email():
    form = EmailChangeForm()
    if done := save_form(form, lambda: _request_email_change(form)):
        email = done.value
        try:
            send_mail(email, "Confirm your new e-mail address", "email_change", name=current_user.display_name,
                      email=email, days=auth_services.EMAIL_CHANGE_MAX_AGE // 86400,
                      link=external_url("auth.confirm_email_change",
                                        token=auth_services.email_change_token(current_user)))
        except MailError:
            flash("We could not send the confirmation e-mail; try again later.", "warning")
        else:
            flash(f"We sent a link to {email}. Your address changes once you open it.", "info")
        return redirect(url_for("settings.index"))
    return _render_profile(email_form=form, status=form_status(form))


def _request_email_change(form: EmailChangeForm) -> str:
    email = auth_services.request_email_change(current_user, form.email.data, form.password.data)
    audit.record_event(current_user, "email_change_requested", request_meta(), email)
    return email


# Security: two-factor and the audit log --------------------------------------------------------------

@bp.get("/security")
@login_required
def security():
    number = request.args.get("page", 1, type=int) or 1
    events = audit.events_page(current_user, min(max(number, 1), 10**6))
    return render_template("settings/security.html", events=events, events_pager=Pager(events, "settings.security"),
                           labels=audit.EVENT_LABELS,
                           codes_left=twofactor.recovery_codes_left(current_user),
                           disable_form=DisableTwoFactorForm(), codes_form=PasswordConfirmForm(prefix="codes"))


@bp.post("/two-factor/setup")
@login_required
def two_factor_setup():
    twofactor.start_setup(current_user)
    db.session.commit()
    return _render_setup(ConfirmTwoFactorForm(formdata=None))


def _render_setup(form: ConfirmTwoFactorForm, status: int = 200):
    uri = twofactor.provisioning_uri(current_user)
    return _page("settings/two_factor_setup.html", status, form=form, secret=current_user.totp_secret,
                 qr=twofactor.qr_data_uri(uri))


@bp.post("/two-factor/confirm")
@login_required
def two_factor_confirm():
    form = ConfirmTwoFactorForm()
    if current_user.two_factor_enabled or not current_user.totp_secret:
        return redirect(url_for("settings.security"))
    if done := save_form(form, lambda: _confirm_two_factor(form.code.data)):
        flash("Two-factor authentication is on.", "success")
        return _page("settings/recovery_codes.html", codes=done.value)
    return _render_setup(form, form_status(form))


def _confirm_two_factor(code: str) -> list[str]:
    codes = twofactor.confirm_setup(current_user, code)
    audit.record_event(current_user, "two_factor_enabled", request_meta())
    return codes


@bp.post("/two-factor/disable")
@login_required
def two_factor_disable():
    form = DisableTwoFactorForm()
    if not form.validate_on_submit():
        flash("Enter your password and a code.", "danger")
        return redirect(url_for("settings.security"))
    # A refused attempt changed nothing (a code is spent only when it is right), so its rollback loses nothing.
    return run_action(lambda: _disable_two_factor(form.password.data, form.code.data),
                      success="Two-factor authentication is off.", then=url_for("settings.security"))


def _disable_two_factor(password: str, code: str) -> bool:
    twofactor.disable(current_user, password, code)
    audit.record_event(current_user, "two_factor_disabled", request_meta())
    return True


@bp.post("/two-factor/recovery-codes")
@login_required
def recovery_codes():
    form = PasswordConfirmForm(prefix="codes")
    if not current_user.two_factor_enabled:
        return redirect(url_for("settings.security"))
    if not form.validate_on_submit() or not check_password(form.password.data, current_user.password_hash):
        flash("Your password is not correct.", "danger")
        return redirect(url_for("settings.security"))
    codes = twofactor.replace_recovery_codes(current_user)
    audit.record_event(current_user, "recovery_codes_regenerated", request_meta())
    db.session.commit()
    return _page("settings/recovery_codes.html", codes=codes)


# API tokens ---------------------------------------------------------------------------------------------

@bp.get("/tokens", endpoint="tokens")
@login_required
def tokens_page():
    return _render_tokens(TokenForm())


def _render_tokens(form: TokenForm, new_token: str | None = None, status: int = 200):
    return _page("settings/tokens.html", status, form=form, tokens=tokens.tokens_of(current_user),
                 new_token=new_token, now=utcnow())


@bp.post("/tokens")
@login_required
def create_token():
    form = TokenForm()
    if g.get("workspace") is None:
        form.form_errors.append("You are not a member of any workspace.")
        return _render_tokens(form, status=422)
    if done := save_form(form, lambda: _create_token(form)):
        # Rendered, not redirected: the token must not travel through a flash message or the session.
        return _render_tokens(TokenForm(formdata=None), new_token=done.value, status=201)
    return _render_tokens(form, status=form_status(form))


def _create_token(form: TokenForm) -> str:
    token, raw = tokens.create_token(current_user, g.workspace, form.to_input())
    audit.record_event(current_user, "token_created", request_meta(),
                       f"{token.name} ({token.scope}) for {g.workspace.name}")
    return raw


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = tokens.revoke_token(current_user, token_id)
    audit.record_event(current_user, "token_revoked", request_meta(), token.name)
    db.session.commit()
    flash(f"Token “{token.name}” revoked; scripts using it now get 401.", "success")
    return redirect(url_for("settings.tokens"))



# Signed-in devices: every live sign-in, each signed out on its own or all but this one ---------------------

@bp.get("/devices")
@login_required
def devices():
    return _page("settings/devices.html", sessions=auth_sessions.live_of(current_user),
                 this=auth_sessions.current(), idle_days=auth_sessions.idle_limit(True).days,
                 idle_hours=int(auth_sessions.idle_limit(False).total_seconds() // 3600))


@bp.post("/devices/<int:session_id>/revoke")
@login_required
def revoke_device(session_id: int):
    this = auth_sessions.current()
    if this is not None and this.id == session_id:
        flash("That is this device: use “Sign out” in the menu.", "info")
        return redirect(url_for("settings.devices"))
    return run_action(lambda: _revoke_device(session_id), success="That device is signed out.",
                      then=url_for("settings.devices"))


def _revoke_device(session_id: int):
    record = auth_sessions.revoke(current_user, session_id)
    audit.record_event(current_user, "session_revoked", request_meta(), record.user_agent[:120])
    return record


@bp.post("/devices/revoke-others")
@login_required
def revoke_other_devices():
    return run_action(_revoke_other_devices, then=url_for("settings.devices"),
                      success=lambda ended: f"Signed out everywhere else ({ended} other "
                                            f"sign-in{'' if ended == 1 else 's'}).")


def _revoke_other_devices() -> int:
    ended = auth_sessions.revoke_all(current_user, keep=auth_sessions.current())
    audit.record_event(current_user, "sessions_revoked", request_meta(), f"{ended} ended")
    return ended


# Notifications: channels per kind, the webhook, the delivery log ------------------------------------------

def _render_notifications(webhook_form: WebhookForm | None = None, status: int = 200):
    endpoint = delivery.webhook_of(current_user)
    return render_template(
        "settings/notifications.html", kinds=PREFERENCE_KINDS, channels=CHANNELS,
        chosen=notification_services.channel_choices(current_user), form=PreferencesForm(), endpoint=endpoint,
        webhook_form=webhook_form or WebhookForm(url=endpoint.url if endpoint else ""),
        deliveries=delivery.deliveries_of(current_user),
    ), status


@bp.get("/notifications")
@login_required
def notifications():
    return _render_notifications()


@bp.post("/notifications")
@login_required
def save_notifications():
    form = PreferencesForm()
    if not form.validate_on_submit():
        return _render_notifications(status=400)
    chosen = set()
    for value in request.form.getlist("pref")[:100]:
        kind, _, channel = value.partition(":")
        chosen.add((kind, channel))
    notification_services.save_preferences(current_user, chosen)
    db.session.commit()
    flash("Notification settings saved.", "success")
    return redirect(url_for("settings.notifications"))


@bp.post("/webhook")
@login_required
def save_webhook():
    form = WebhookForm()
    if save_form(form, lambda: delivery.set_webhook(current_user, form.url.data)):
        flash("Webhook saved. Verify each request's signature with the secret shown below.", "success")
        return redirect(url_for("settings.notifications"))
    return _render_notifications(form, form_status(form))


@bp.post("/webhook/secret")
@login_required
def rotate_webhook_secret():
    delivery.rotate_webhook_secret(current_user)
    db.session.commit()
    flash("New webhook secret made; update your receiver.", "success")
    return redirect(url_for("settings.notifications"))


@bp.post("/webhook/remove")
@login_required
def remove_webhook():
    delivery.remove_webhook(current_user)
    db.session.commit()
    flash("Webhook removed.", "success")
    return redirect(url_for("settings.notifications"))


# Privacy: download everything, delete the account ------------------------------------------------------------

def _render_privacy(form: DeleteAccountForm | None = None, status: int = 200):
    removed, blocking = privacy.workspaces_to_delete(current_user)
    return render_template("settings/privacy.html", form=form or DeleteAccountForm(), removed=removed,
                           blocking=blocking), status


@bp.get("/privacy", endpoint="privacy")
@login_required
def privacy_page():
    return _render_privacy()


@bp.get("/privacy/export")
@login_required
def export_data():
    audit.record_event(current_user, "data_exported", request_meta())
    db.session.commit()
    user = current_user._get_current_object()
    # Spooled: small exports stay in memory, large ones go to a temporary file, never all in RAM.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (closed with the response)
    for chunk in privacy.export_user_data(user):
        spool.write(chunk.encode())
    spool.seek(0)
    name = f"financeapp-{user.email.split('@')[0]}-{utcnow():%Y%m%d}.json"
    response = send_file(spool, mimetype="application/json", as_attachment=True, download_name=name)
    response.call_on_close(spool.close)
    return _no_store(response)


@bp.post("/privacy/delete")
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if form.confirm.data.strip() != "DELETE":
            form.confirm.errors = ["Type DELETE in capitals to confirm."]
        elif done := save_form(form, lambda: privacy.delete_account(current_user, form.password.data,
                                                                    form.code.data or ""), validate=False):
            removed = done.value
            logout_user()
            session.clear()
            flash("Your account is deleted" + (f", with {', '.join(removed)}" if removed else "") + ". Goodbye.",
                  "info")
            return redirect(url_for("auth.login"))
    return _render_privacy(form, form_status(form))
