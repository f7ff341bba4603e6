"""Chart builders: DataFrame in, figure out; no Streamlit calls, so exports reuse them."""
