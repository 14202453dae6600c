"""Routes for signing up, in (with a second factor) and out, passwords, and e-mail links."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from financeapp.auth import audit, bp, services, sessions, twofactor
from financeapp.auth.context import request_meta
from financeapp.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    TwoFactorForm,
)
from financeapp.auth.models import User
from financeapp.core.db import utcnow
from financeapp.core.security import safe_next_url
from financeapp.core.views import save_form
from financeapp.extensions import db, limiter
from financeapp.mail import MailError, external_url, send_mail

PENDING = "pending_2fa"
PENDING_SECONDS = 300
PENDING_ATTEMPTS = 5


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def send_verification(user: User) -> bool:
    """E-mail the verification link; False when the mail could not be sent."""
    try:
        send_mail(user.email, "Verify your e-mail address", "verify_email", name=user.display_name,
                  email=user.email, days=services.VERIFY_MAX_AGE // 86400,
                  link=external_url("auth.verify_email", token=services.verification_token(user)))
    except MailError:
        return False
    return True


def _send_sign_up_note(owner: User) -> bool:
    """Someone signed up with an address that has an account: tell its owner, with a reset link."""
    try:
        send_mail(owner.email, "Someone tried to create a financeapp account with your address", "signup_existing",
                  name=owner.display_name, email=owner.email, minutes=services.RESET_MAX_AGE // 60,
                  login_link=external_url("auth.login"),
                  link=external_url("auth.reset_password", token=services.reset_token(owner)))
    except MailError:
        current_app.logger.warning("could not tell user id=%s about a sign-up with their address", owner.id)
        return False
    return True


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    """Every sign-up gets the same answer ("check your inbox"), so the page never tells whether an
    address has an account: a new one gets its verification link, an existing owner a note instead."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if request.method == "POST" and (done := save_form(form, lambda: services.sign_up(form.to_input()))):
        signed_up = done.value
        if signed_up.existing:
            audit.record_event(signed_up.user, "sign_up_with_existing_address", request_meta())
            db.session.commit()
        sent = _send_sign_up_note(signed_up.user) if signed_up.existing else send_verification(signed_up.user)
        if not sent:  # the mail server's trouble, alike for both: it tells nothing about the address
            flash("We could not send the e-mail just now. Sign in and resend the verification link from Settings, "
                  "or try again later.", "warning")
        flash(f"Check your inbox: we sent a message to {services.normalise_email(form.email.data)} with what to do "
              "next. Then sign in with your e-mail address and password.", "info")
        return redirect(url_for("auth.login", email=services.normalise_email(form.email.data)))
    return render_template("auth/register.html", form=form), _status(form)


def _finish_login(user: User, remember: bool, next_url: str | None, method: str = "password"):
    services.complete_login(user)
    audit.record_event(user, "login", request_meta(), method)
    session.clear()
    sessions.start(user, remember=remember, meta=request_meta())
    db.session.commit()
    login_user(user, remember=remember)
    flash(f"Signed in as {user.display_name}.", "success")
    if not user.email_verified:
        flash("Your e-mail address is not verified yet: open the link we sent you, "
              "or send a new one from Settings.", "info")
    return redirect(safe_next_url(next_url) or url_for("dashboard.index"))


def _warn_owner(user: User) -> None:
    try:
        send_mail(user.email, "Failed sign-ins to your financeapp account", "failed_logins",
                  name=user.display_name, email=user.email, failures=user.failed_logins,
                  ip=request.remote_addr, link=external_url("auth.forgot_password"))
    except MailError:
        current_app.logger.warning("could not warn user id=%s about failed sign-ins", user.id)


def _failed(user: User | None, kind: str, detail: str = "") -> None:
    """Keep the failure count (an account's or an unknown address's: commit), and log it for an account."""
    if user is not None:
        audit.record_event(user, kind, request_meta(), detail)
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.LoginDelayed as err:
            _failed(err.user, "login_delayed")
            form.form_errors.append(err.message)
            status = 429
        except services.BadCredentials as err:
            _failed(err.user, "login_failed", "wrong password")
            if err.user is not None and err.warn_owner:
                _warn_owner(err.user)
            form.form_errors.append(err.message)
        except services.InactiveAccount as err:
            form.form_errors.append(err.message)
        else:
            next_url = request.args.get("next")
            if user.two_factor_enabled:
                session.clear()
                session[PENDING] = {"user": user.id, "token": user.session_token, "remember": form.remember.data,
                                    "next": safe_next_url(next_url), "at": int(time.time()), "tries": 0}
                return redirect(url_for("auth.two_factor"))
            return _finish_login(user, form.remember.data, next_url)
    return render_template("auth/login.html", form=form), status if status != 200 else _status(form)


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or user.session_token != pending.get("token") or not user.two_factor_enabled:
        return None
    return user


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def two_factor():
    """The second sign-in step: nobody is signed in until the code is right."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Sign in again: the two-factor step timed out.", "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    status = 200
    if form.validate_on_submit():
        pending = dict(session[PENDING])
        wait = services.seconds_to_wait(user, utcnow())
        method = None if wait else twofactor.check_second_factor(user, form.code.data)
        if method is not None:
            if method == "recovery":
                audit.record_event(user, "recovery_code_used", request_meta(),
                                   f"{twofactor.recovery_codes_left(user)} left")
            response = _finish_login(user, pending["remember"], pending["next"], method)
            if method == "recovery":
                flash(f"You used a recovery code; {twofactor.recovery_codes_left(user)} are left.", "warning")
            return response
        if wait:
            form.form_errors.append(f"Too many failed attempts. Try again in {wait} seconds.")
            status = 429
        else:
            warn = services.record_failed_login(user)
            _failed(user, "two_factor_failed")
            if warn:
                _warn_owner(user)
            pending["tries"] = pending.get("tries", 0) + 1
            if pending["tries"] >= PENDING_ATTEMPTS:
                session.pop(PENDING, None)
                flash("Too many wrong codes. Sign in again.", "danger")
                return redirect(url_for("auth.login"))
            session[PENDING] = pending
            form.code.errors = [twofactor.WRONG_CODE]
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("auth/two_factor.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    sessions.end_current()  # the server forgets this sign-in: a copy of the cookie stops working too
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if request.method == "POST" and save_form(form, lambda: _change_password(form)):
        flash("Password changed. Other devices have been signed out.", "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form), _status(form)


def _change_password(form: ChangePasswordForm) -> bool:
    """The new password ends every other sign-in; this one goes on."""
    services.change_password(current_user, form.current_password.data, form.password.data, keep=sessions.current())
    audit.record_event(current_user, "password_changed", request_meta())
    return True


@bp.get("/verify/<token>")
def verify_email(token: str):
    user = services.verify_email(token)
    audit.record_event(user, "email_verified", request_meta(), user.email)
    db.session.commit()
    flash(f"Thank you: {user.email} is verified.", "success")
    return redirect(url_for("dashboard.index") if current_user.is_authenticated else url_for("auth.login"))


@bp.post("/verify/resend")
@login_required
@limiter.limit(_register_limit)
def resend_verification():
    if current_user.email_verified:
        flash("Your address is already verified.", "info")
    elif send_verification(current_user):
        flash(f"We sent a new link to {current_user.email}.", "info")
    else:
        flash("We could not send the e-mail just now; try again later.", "warning")
    return redirect(safe_next_url(request.form.get("next")) or url_for("settings.index"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user is not None and user.active:
            audit.record_event(user, "password_reset_requested", request_meta())
            db.session.commit()
            try:
                send_mail(user.email, "Reset your financeapp password", "reset_password", name=user.display_name,
                          minutes=services.RESET_MAX_AGE // 60,
                          link=external_url("auth.reset_password", token=services.reset_token(user)))
            except MailError:
                current_app.logger.warning("could not send a reset link to user id=%s", user.id)
        # The same answer either way: the page never tells whether an address has an account.
        flash(f"If {services.normalise_email(form.email.data)} has an account, a link to reset its password "
              "is on its way. It works for one hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), _status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset(token)
    form = ResetPasswordForm()
    if request.method == "POST" and save_form(form, lambda: _reset_password(user, token, form.password.data)):
        logout_user()
        session.clear()
        flash("Your password is changed and every device is signed out. Sign in with the new password.",
              "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=user), _status(form)


def _reset_password(user: User, token: str, password: str) -> User:
    services.reset_password(token, password)
    audit.record_event(user, "password_reset", request_meta())
    return user


@bp.get("/email/<token>")
def confirm_email_change(token: str):
    user = services.confirm_email_change(token)
    audit.record_event(user, "email_changed", request_meta(), user.email)
    db.session.commit()
    flash(f"Your e-mail address is now {user.email}.", "success")
    return redirect(url_for("settings.index") if current_user.is_authenticated else url_for("auth.login"))
