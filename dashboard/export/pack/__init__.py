"""The quarterly committee pack (季度消保委员会汇报材料): content, written summary, PPTX and PDF."""
