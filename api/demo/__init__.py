"""The demonstration district: invented enterprises calibrated to the plan's 2020 figures."""

from api.demo.generate import DemoDistrict, generate_demo

__all__ = ["DemoDistrict", "generate_demo"]
