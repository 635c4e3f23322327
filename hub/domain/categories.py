"""The complaint taxonomy: the source of the `category` enums in schemas/common-v1.json.

Level 1 follows the China Consumers Association's nature-of-complaint classes (with personal
information added, after the Personal Information Protection Law); level 2 names the recurring
e-commerce issues. A test asserts that the schema enums equal these.
"""

from __future__ import annotations

from enum import StrEnum


class Level1(StrEnum):
    # Order as in the association's yearly analysis (2018 shares in the comments).
    AFTER_SALES = "after_sales"  # 29.2%
    QUALITY = "quality"  # 25.7%
    CONTRACT = "contract"  # 20.5%
    FALSE_ADVERTISING = "false_advertising"  # 7.7%
    PRICE = "price"  # 4.0%
    SAFETY = "safety"  # 3.3%
    COUNTERFEIT = "counterfeit"  # 3.2%
    PERSONAL_DIGNITY = "personal_dignity"  # 1.1%
    MEASUREMENT = "measurement"  # 0.7%
    PERSONAL_INFORMATION = "personal_information"  # PIPL; not in the 2018 classes
    OTHER = "other"  # 4.6%


class Level2(StrEnum):
    ORDER_CANCELLED_OR_PROMOTION_NOT_HONOURED = "order_cancelled_or_promotion_not_honoured"
    LATE_OR_NO_DELIVERY = "late_or_no_delivery"
    BUNDLED_ITEMS_PRECHECKED = "bundled_items_prechecked"
    DEPOSIT_NOT_REFUNDED = "deposit_not_refunded"
    UNFAIR_NO_RETURN_TERMS = "unfair_no_return_terms"
    SEVEN_DAY_RETURN_REFUSED = "seven_day_return_refused"
    REFUND_LATE = "refund_late"
    REPAIR_OR_RETURN_DELAYED = "repair_or_return_delayed"
    CUSTOMER_SERVICE_UNREACHABLE = "customer_service_unreachable"  # E-Commerce Law art. 59
    PLATFORM_NOT_HELPING = "platform_not_helping"
    DEFECT_OR_MALFUNCTION = "defect_or_malfunction"
    SPOILED_GOODS = "spoiled_goods"
    DAMAGED_SHORT_WRONG_OR_EMPTY_PARCEL = "damaged_short_wrong_or_empty_parcel"
    LISTING_NOT_MATCHING_ITEM = "listing_not_matching_item"
    FAKE_REVIEWS = "fake_reviews"
    LIVESTREAM_CLAIMS = "livestream_claims"
    ABSOLUTE_ADVERTISING_CLAIMS = "absolute_advertising_claims"  # Advertising Law art. 9(3)
    COUNTERFEIT_OR_PIRATED = "counterfeit_or_pirated"


# The level-1 class each issue usually falls under, for statistics that group level 2 under level 1.
# A filer may still choose another level 1 (a late refund can be a contract matter); the schema does
# not tie them together.
USUAL_LEVEL1: dict[Level2, Level1] = {
    Level2.ORDER_CANCELLED_OR_PROMOTION_NOT_HONOURED: Level1.CONTRACT,
    Level2.LATE_OR_NO_DELIVERY: Level1.CONTRACT,
    Level2.BUNDLED_ITEMS_PRECHECKED: Level1.CONTRACT,
    Level2.DEPOSIT_NOT_REFUNDED: Level1.CONTRACT,
    Level2.UNFAIR_NO_RETURN_TERMS: Level1.CONTRACT,
    Level2.SEVEN_DAY_RETURN_REFUSED: Level1.AFTER_SALES,
    Level2.REFUND_LATE: Level1.AFTER_SALES,
    Level2.REPAIR_OR_RETURN_DELAYED: Level1.AFTER_SALES,
    Level2.CUSTOMER_SERVICE_UNREACHABLE: Level1.AFTER_SALES,
    Level2.PLATFORM_NOT_HELPING: Level1.AFTER_SALES,
    Level2.DEFECT_OR_MALFUNCTION: Level1.QUALITY,
    Level2.SPOILED_GOODS: Level1.QUALITY,
    Level2.DAMAGED_SHORT_WRONG_OR_EMPTY_PARCEL: Level1.QUALITY,
    Level2.LISTING_NOT_MATCHING_ITEM: Level1.FALSE_ADVERTISING,
    Level2.FAKE_REVIEWS: Level1.FALSE_ADVERTISING,
    Level2.LIVESTREAM_CLAIMS: Level1.FALSE_ADVERTISING,
    Level2.ABSOLUTE_ADVERTISING_CLAIMS: Level1.FALSE_ADVERTISING,
    Level2.COUNTERFEIT_OR_PIRATED: Level1.COUNTERFEIT,
}
