"""Routes: holdings (all accounts and per account), a security's page, trades (list, add, edit, delete),
prices, and performance over a range."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.core.errors import NotFound
from financeapp.core.forms import form_status
from financeapp.core.pagination import page_number
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role
from financeapp.core.validation import amount_for_input, in_date_range
from financeapp.core.views import read_form, run_action, save_form
from financeapp.investments import bp, services
from financeapp.investments.forms import MethodForm, PriceForm, RangeForm, TradeForm
from financeapp.investments.models import COST_METHODS, Price, Security, Trade


def _page_arg() -> int:
    return page_number(request.args.get("page"))


def _method_arg() -> str | None:
    method = request.args.get("method")
    return method if method in COST_METHODS else None


def _day_arg(name: str) -> date | None:
    """A YYYY-MM-DD query value, None when absent or unreadable."""
    text = (request.args.get(name) or "").strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    return day if day is not None and in_date_range(day) else None


def _as_of_arg() -> date:
    text = (request.args.get("as_of") or "").strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is not None and in_date_range(day):
        return day
    if text:
        flash("That date could not be read (use YYYY-MM-DD); showing today.", "warning")
    return date.today()


# Holdings ----------------------------------------------------------------------------------------


def _holdings_page(account=None):
    accounts = services.investment_accounts(g.workspace)
    as_of, method, start = _as_of_arg(), _method_arg(), _day_arg("start")
    result = services.portfolio(g.workspace, accounts=[account] if account else None, as_of=as_of, method=method,
                                start=start if start and start <= as_of else None)
    method_form = None
    if account is not None:
        method_form = MethodForm(formdata=None, cost_method=result.methods.get(account.id, "fifo"))
    return render_template("investments/index.html", accounts=accounts, account=account, result=result,
                           allocation=services.allocation(result), method=method, method_form=method_form,
                           as_of=as_of, today=date.today())


@bp.get("/")
@require_role("viewer")
def index():
    return _holdings_page()


@bp.get("/accounts/<int:account_id>")
@require_role("viewer")
def account(account_id: int):
    return _holdings_page(services.investment_account(g.workspace, account_id))


@bp.post("/accounts/<int:account_id>/method")
@require_role("manager")
def set_method(account_id: int):
    chosen = services.investment_account(g.workspace, account_id)
    form = MethodForm()
    method = form.cost_method.data if form.validate_on_submit() else ""
    return run_action(lambda: services.set_cost_method(g.workspace, chosen, method or ""),
                      success=f"{chosen.name} now uses {COST_METHODS.get(method or '', 'that method')}.",
                      then=url_for("investments.account", account_id=chosen.id))


# A security --------------------------------------------------------------------------------------


@bp.get("/securities/<int:security_id>")
@require_role("viewer")
def security(security_id: int):
    item = get_scoped_or_404(Security, security_id, g.workspace)
    as_of = _as_of_arg()
    result = services.portfolio(g.workspace, as_of=as_of, method=_method_arg(), detail=True)
    holding = next((h for h in result.holdings if h.security.id == item.id), None)
    sales = [row for row in result.sales if row.security.id == item.id]
    income = [row for row in result.income_rows if row[1] is not None and row[1].id == item.id]
    trades = services.list_trades(g.workspace, security_id=item.id, page=_page_arg()).linked(
        "investments.security", security_id=item.id)
    accounts = {a.id: a for a in services.investment_accounts(g.workspace, archived=True)}
    prices = services.list_prices(g.workspace, security_id=item.id, per_page=10)
    form = _price_form(security_id=str(item.id))
    return render_template("investments/security.html", security=item, holding=holding, sales=sales, income=income,
                           trades=trades, accounts=accounts, prices=prices, form=form, as_of=as_of,
                           stale_days=services.stale_days())


# Trades ------------------------------------------------------------------------------------------


def _trade_form(trade: Trade | None = None, **kwargs) -> TradeForm:
    form = TradeForm(**kwargs)
    accounts = services.investment_accounts(g.workspace)
    form.account_id.choices = [(str(a.id), f"{a.name} ({a.currency})") for a in accounts]
    if trade is not None and str(trade.account_id) not in {c[0] for c in form.account_id.choices}:
        form.account_id.choices.append((str(trade.account_id), "This trade's account"))
    return form


def _trade_input(form: TradeForm, security_id: int | None) -> services.NewTrade:
    return services.NewTrade(
        kind=form.kind.data or "", on=form.on.data, security_id=security_id, quantity=form.quantity.decimal,
        price=form.price.decimal, fees=form.fees.decimal, taxes=form.taxes.decimal, amount=form.amount.decimal,
        split_from=form.split_from.decimal, split_to=form.split_to.decimal, memo=form.memo.data or "")


def _security_from(form: TradeForm, account) -> int | None:
    symbol = (form.symbol.data or "").strip()
    if not symbol:
        return None
    return services.find_or_create_security(
        g.workspace, symbol, name=form.security_name.data or "", kind=form.security_kind.data or "stock",
        currency=form.security_currency.data or account.currency).id


def _save_trade(form: TradeForm, trade: Trade | None) -> Trade:
    account = services.investment_account(g.workspace, form.account_id.data)
    data = _trade_input(form, _security_from(form, account))
    if trade is None:
        return services.record_trade(g.workspace, account, data)
    if account.id != trade.account_id:
        services.delete_trade(g.workspace, trade)
        return services.record_trade(g.workspace, account, data)
    return services.update_trade(g.workspace, trade, data)


def _render_trade_form(form: TradeForm, trade: Trade | None):
    return render_template("investments/trade_form.html", form=form, trade=trade,
                           securities=services.securities(g.workspace),
                           has_accounts=bool(form.account_id.choices)), form_status(form)


@bp.get("/trades")
@require_role("viewer")
def trades():
    account_id = as_id(request.args.get("account"))
    page = services.list_trades(g.workspace, account_id=account_id, page=_page_arg())
    page = page.linked("investments.trades", **({"account": account_id} if account_id else {}))
    accounts = {a.id: a for a in services.investment_accounts(g.workspace, archived=True)}
    return render_template("investments/trades.html", page=page, accounts=accounts, account_id=account_id)


@bp.route("/trades/new", methods=["GET", "POST"])
@require_role("viewer")
def create_trade():
    form = _trade_form()
    if request.method == "GET" and (chosen := as_id(request.args.get("account"))):
        form.account_id.data = str(chosen)
    if request.method == "POST":
        check_role("member")
        if done := save_form(form, lambda: _save_trade(form, None)):
            flash(f"{done.value.kind_label} on {done.value.on.isoformat()} saved.", "success")
            return redirect(url_for("investments.account", account_id=done.value.account_id))
    return _render_trade_form(form, None)


@bp.route("/trades/<int:trade_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit_trade(trade_id: int):
    trade = get_scoped_or_404(Trade, trade_id, g.workspace)
    form = _trade_form(trade, formdata=None if request.method == "GET" else request.form)
    if request.method == "GET":
        form.account_id.data, form.kind.data, form.on.data = str(trade.account_id), trade.kind, trade.on
        form.symbol.data = trade.security.symbol if trade.security else ""
        for name in ("quantity", "price", "split_from", "split_to"):
            value = getattr(trade, name)
            form[name].data = "" if value is None or (name == "quantity" and not value) else \
                services.quantity_text(value)
        for name in ("fees", "taxes"):
            value = getattr(trade, name)
            form[name].data = amount_for_input(value, trade.currency) if value else ""
        form.amount.data = amount_for_input(abs(trade.amount), trade.currency) if trade.amount else ""
        form.memo.data = trade.memo
    else:
        check_role("member")
        if done := save_form(form, lambda: _save_trade(form, trade)):
            flash("Trade saved.", "success")
            return redirect(url_for("investments.account", account_id=done.value.account_id))
    return _render_trade_form(form, trade)


@bp.post("/trades/<int:trade_id>/delete")
@require_role("member")
def delete_trade(trade_id: int):
    trade = get_scoped_or_404(Trade, trade_id, g.workspace)
    account_id = trade.account_id
    return run_action(lambda: services.delete_trade(g.workspace, trade), success="Trade deleted.",
                      then=url_for("investments.trades", account=account_id))


# Prices ------------------------------------------------------------------------------------------


def _price_form(**kwargs) -> PriceForm:
    form = PriceForm(**kwargs)
    form.security_id.choices = [(str(s.id), f"{s.symbol} ({s.currency})") for s in services.securities(g.workspace)]
    return form


def _record_price(form: PriceForm) -> Price:
    item = get_scoped_or_404(Security, form.security_id.data, g.workspace)
    return services.record_price(g.workspace, item, form.on.data, form.close.decimal, source="manual")


@bp.route("/prices", methods=["GET", "POST"])
@require_role("viewer")
def prices():
    form = _price_form()
    if request.method == "POST":
        check_role("member")
        if done := save_form(form, lambda: _record_price(form)):
            flash(f"Price of {done.value.security.symbol} on {done.value.on.isoformat()} saved.", "success")
            back = request.form.get("back")
            if back == "security":
                return redirect(url_for("investments.security", security_id=done.value.security_id))
            return redirect(url_for("investments.prices"))
    security_id = as_id(request.args.get("security"))
    page = services.list_prices(g.workspace, security_id=security_id, page=_page_arg())
    page = page.linked("investments.prices", **({"security": security_id} if security_id else {}))
    return render_template("investments/prices.html", form=form, page=page,
                           stale_days=services.stale_days(), today=date.today()), form_status(form)


@bp.post("/prices/<int:price_id>/delete")
@require_role("member")
def delete_price(price_id: int):
    price = get_scoped_or_404(Price, price_id, g.workspace)
    return run_action(lambda: services.delete_price(g.workspace, price), success="Price deleted.",
                      then=url_for("investments.prices"))


# Performance -------------------------------------------------------------------------------------


@bp.get("/performance")
@require_role("viewer")
def performance():
    form = RangeForm(request.args)
    accounts = services.investment_accounts(g.workspace)
    form.account.choices = [("", "All investment accounts"), *((str(a.id), a.name) for a in accounts)]
    form.validate()
    chosen = None
    if form.account.data:
        chosen = next((a for a in accounts if str(a.id) == form.account.data), None)
        if chosen is None:
            raise NotFound("No such investment account.")
    start = form.start.data if not form.start.errors else None
    end = form.end.data if not form.end.errors else None
    result = read_form(form, lambda: services.performance_of(
        g.workspace, accounts=[chosen] if chosen else None, start=start, end=end))
    query = {k: v for k, v in {"account": form.account.data, "start": start and start.isoformat(),
                               "end": end and end.isoformat()}.items() if v}
    return render_template("investments/performance.html", form=form, result=result, accounts=accounts,
                           chart_src=url_for("api.investments_performance", **query))
