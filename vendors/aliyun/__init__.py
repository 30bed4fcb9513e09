"""Alibaba Cloud RTC (OpenAPI 2018-01-11): client, simulator and provider."""
