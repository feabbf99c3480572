"""One town or street's page, "my street today": the street administrator's landing page."""
