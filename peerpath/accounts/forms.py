from __future__ import annotations

import datetime as dt
import functools
from typing import Any, cast

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from peerpath.accounts import services
from peerpath.accounts.ageband import available_timezones
from peerpath.accounts.models import AccountType, Language, Profile, Topic, User
from peerpath.accounts.validators import HOURS_PER_WEEK
from peerpath.core.forms import CleanInputMixin, Form, HiddenIdField, ModelForm

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(z, z.replace("_", " ")) for z in sorted(available_timezones())]


class DateOfBirthField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date", "autocomplete": "bday"})
    default_error_messages = {"invalid": "Enter your date of birth as YYYY-MM-DD."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)


class SignupForm(CleanInputMixin, AllauthSignupForm):  # type: ignore[misc]
    """allauth's sign-up plus what safeguarding and matching need. No real name is asked.
    Its fields, allauth's included, follow ``core.forms`` (text cleaned, ids bounded)."""

    date_of_birth = DateOfBirthField(
        label="Date of birth",
        help_text="Used only to keep teens and adults in their own spaces. Never shown.",
    )
    account_type = forms.ChoiceField(
        label="I am joining as",
        choices=AccountType.choices,
        widget=forms.RadioSelect,
        initial=AccountType.MEMBER,
        help_text="Members come for support; listeners are trained volunteers who give it.",
    )
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices, initial="UTC")
    languages = forms.ModelMultipleChoiceField(
        label="Languages you can chat in",
        queryset=Language.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one language."},
    )

    field_order = [
        "username",
        "email",
        "password1",
        "password2",
        "date_of_birth",
        "account_type",
        "timezone",
        "languages",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Pseudonym"
        self.fields["username"].help_text = (
            "Shown to others. Please don't use your real name. 3–30 letters, digits, dots, "
            "dashes or underscores."
        )
        self.fields["username"].widget.attrs["maxlength"] = 30
        self.fields["email"].help_text = "Only for password resets. Never shown to anyone."

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        born: dt.date | None = cleaned.get("date_of_birth")
        tz_name: str | None = cleaned.get("timezone")
        if born is not None and tz_name:
            try:
                services.check_birth_details(date_of_birth=born, tz_name=tz_name, at=timezone.now())
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    @property
    def is_under_13(self) -> bool:
        return any(e.code == "under_13" for e in self.errors.as_data().get("date_of_birth", []))

    def save(self, request: HttpRequest) -> User:
        with transaction.atomic():
            user: User = super().save(request)
        return user


class AvailabilityWidget(forms.CheckboxSelectMultiple):
    template_name = "accounts/widgets/availability.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)
        chosen = {str(v) for v in (value or [])}
        context["days"] = [
            {
                "name": day,
                "hours": [
                    {"value": d * 24 + h, "hour": h, "checked": str(d * 24 + h) in chosen}
                    for h in range(24)
                ],
            }
            for d, day in enumerate(WEEKDAYS)
        ]
        return context


class AvailabilityField(forms.MultipleChoiceField):
    """168 hour-of-week checkboxes <-> the profile's '0'/'1' string."""

    widget = AvailabilityWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [(str(i), str(i)) for i in range(HOURS_PER_WEEK)])
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) == HOURS_PER_WEEK:
            return [str(i) for i, c in enumerate(value) if c == "1"]
        return value

    def clean(self, value: Any) -> str:
        hours = super().clean(value)
        chosen = {int(h) for h in hours}
        return "".join("1" if i in chosen else "0" for i in range(HOURS_PER_WEEK))


class ProfileForm(ModelForm[Profile]):
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    availability = AvailabilityField(
        label="When are you usually around?",
        help_text="Hours in your own time zone. Mentors and events use this to find a fit.",
    )

    class Meta:
        model = Profile
        fields = ["display_name", "bio", "topics", "languages", "availability"]
        widgets = {
            "topics": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 5, "maxlength": 1000}),
        }
        labels = {"topics": "Topics you know about or care about"}
        help_texts = {
            "display_name": "Optional. Shown instead of your pseudonym.",
            "bio": "A few words about you (no contact details, please).",
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["timezone"].initial = user.timezone
        cast(
            "forms.ModelMultipleChoiceField[Topic]", self.fields["topics"]
        ).queryset = Topic.objects.all()
        languages = cast("forms.ModelMultipleChoiceField[Language]", self.fields["languages"])
        languages.queryset = Language.objects.all()
        self.fields["languages"].required = True
        self.fields["languages"].error_messages["required"] = "Pick at least one language."


class UnblockForm(Form):
    """Which of one's blocks to lift (the selector checks it is the person's own)."""

    block = HiddenIdField(
        required="Choose whom to unblock.",
        invalid="Choose whom to unblock.",
        missing="Choose whom to unblock.",
    )


class AccountTypeForm(Form):
    """The account type one switches to (the policy says who may)."""

    account_type = forms.ChoiceField(
        label="Switch to",
        choices=AccountType.choices,
        error_messages={
            "required": "Choose member or listener.",
            "invalid_choice": "Choose member or listener.",
        },
    )
