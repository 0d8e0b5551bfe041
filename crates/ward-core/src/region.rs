//! Regions: the AWS region an availability zone belongs to, and the Cloud One regions.

/// The Cloud One regions a Workload Security account can live in.
pub const CLOUD_ONE_REGIONS: [&str; 8] = [
    "us-1", "in-1", "gb-1", "au-1", "de-1", "jp-1", "sg-1", "ca-1",
];

/// The base URL of the Workload Security API in a Cloud One region, or `None` for an unknown region.
pub fn cloud_one_api_url(region: &str) -> Option<String> {
    CLOUD_ONE_REGIONS
        .contains(&region)
        .then(|| format!("https://workload.{region}.cloudone.trendmicro.com/api"))
}

/// The AWS region of an availability zone: `us-east-1a` → `us-east-1`, `us-west-2-lax-1a`
/// (a Local Zone) → `us-west-2`. `None` when the name does not look like a zone.
pub fn region_of_availability_zone(zone: &str) -> Option<String> {
    let zone = zone.trim();
    // <area>[-<sub>]-<direction>-<n><letter>, and Local / Wavelength zones <region>-<location>-<n><letter>:
    // the region ends at the first part (from the third on) that starts with a digit.
    let parts: Vec<&str> = zone.split('-').collect();
    if !parts
        .first()
        .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
    {
        return None;
    }
    for (index, part) in parts.iter().enumerate().skip(2) {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            return Some(format!("{}-{digits}", parts[..index].join("-")));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_map_to_regions() {
        assert_eq!(
            region_of_availability_zone("us-east-1a").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            region_of_availability_zone("ap-southeast-2c").as_deref(),
            Some("ap-southeast-2")
        );
        assert_eq!(
            region_of_availability_zone("us-west-2-lax-1a").as_deref(),
            Some("us-west-2")
        );
        assert_eq!(
            region_of_availability_zone("us-gov-west-1a").as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(region_of_availability_zone(""), None);
        assert_eq!(region_of_availability_zone("nonsense"), None);
    }

    #[test]
    fn cloud_one_urls() {
        assert_eq!(
            cloud_one_api_url("de-1").as_deref(),
            Some("https://workload.de-1.cloudone.trendmicro.com/api")
        );
        assert_eq!(cloud_one_api_url("xx-9"), None);
    }
}
