from django import forms


class AskHelperForm(forms.Form):
    helper = forms.IntegerField(min_value=1)
